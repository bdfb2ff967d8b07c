using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data;

/// <summary>
/// A COCO instances file and its image folder as training samples, with torchvision's conventions:
/// images in increasing id order (<c>CocoDetection</c>), category ids mapped to contiguous labels 1..K by
/// increasing id (0 is background), and targets as the references' <c>ConvertCocoPolysToMask</c> builds them:
/// crowd annotations left out, boxes [x,y,w,h] → [x1,y1,x2,y2] clamped to the image, boxes with no area
/// dropped, masks rasterized with pycocotools' rules.
/// </summary>
public sealed class CocoDataset
{
    readonly CocoImageInfo[] _images;
    readonly Dictionary<long, List<CocoAnnotation>> _annotationsByImage;
    readonly long[] _labelToCategory;
    readonly Dictionary<long, int> _categoryToLabel;
    readonly ImageLoadOptions? _imageOptions;

    public CocoInstances Instances { get; }
    public string ImageDirectory { get; }

    /// <summary>Class names indexed by label: <c>ClassNames[0]</c> is <c>"__background__"</c>, then the K
    /// categories' names by increasing category id.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>K + 1 (categories plus background), torchvision's <c>num_classes</c>.</summary>
    public int NumClasses => _labelToCategory.Length;

    public int Count => _images.Length;

    public static CocoDataset Open(string instancesPath, string imageDirectory, CocoDatasetOptions? options = null) =>
        new(CocoJson.ReadInstances(instancesPath), imageDirectory, options);

    public CocoDataset(CocoInstances instances, string imageDirectory, CocoDatasetOptions? options = null)
    {
        options ??= new CocoDatasetOptions();
        _imageOptions = options.Images;
        Instances = instances;
        ImageDirectory = imageDirectory;

        var categories = instances.Categories.OrderBy(c => c.Id).ToArray();
        _labelToCategory = [0, .. categories.Select(c => c.Id)];
        _categoryToLabel = new Dictionary<long, int>();
        for (int label = 1; label < _labelToCategory.Length; label++)
            if (!_categoryToLabel.TryAdd(_labelToCategory[label], label))
                throw new InvalidDataException($"category id {_labelToCategory[label]} appears twice in the categories");
        ClassNames = ["__background__", .. categories.Select(c => c.Name)];

        _annotationsByImage = new Dictionary<long, List<CocoAnnotation>>();
        foreach (var a in instances.Annotations)
        {
            if (!_categoryToLabel.ContainsKey(a.CategoryId))
                throw new InvalidDataException($"annotation {a.Id} has category id {a.CategoryId}, which is not among the categories");
            if (!_annotationsByImage.TryGetValue(a.ImageId, out var list))
                _annotationsByImage[a.ImageId] = list = new List<CocoAnnotation>();
            list.Add(a);
        }

        IEnumerable<CocoImageInfo> images = instances.Images.OrderBy(i => i.Id);
        if (options.RemoveImagesWithoutAnnotations) images = images.Where(i => HasValidAnnotation(Annotations(i.Id)));
        if (options.OnBadImage == BadImagePolicy.SkipWithWarning)
        {
            var warn = options.Warn ?? (message => Console.Error.WriteLine(message));
            images = images.Where(i => IsReadable(i, warn));
        }
        _images = images.ToArray();
    }

    public int CategoryIdToLabel(long categoryId) =>
        _categoryToLabel.TryGetValue(categoryId, out int label)
            ? label
            : throw new KeyNotFoundException($"category id {categoryId} is not in the data set");

    public long LabelToCategoryId(int label) =>
        label >= 1 && label < _labelToCategory.Length
            ? _labelToCategory[label]
            : throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 1..{_labelToCategory.Length - 1}");

    public CocoImageInfo ImageInfo(int index) => _images[index];

    /// <summary>All annotations of an image (crowd ones included), in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations(long imageId) =>
        _annotationsByImage.TryGetValue(imageId, out var list) ? list : [];

    public string ImagePath(int index) => Path.Combine(ImageDirectory, _images[index].FileName);

    /// <summary>The image as float32 [3,H,W] in [0,1] and its targets (the caller owns and disposes the result).</summary>
    public DatasetItem Load(int index)
    {
        var info = _images[index];
        string path = ImagePath(index);
        var rgb = ImageIo.Load(path, _imageOptions);
        if (rgb.Width != info.Width || rgb.Height != info.Height)
            throw new InvalidDataException(
                $"image {path} is {rgb.Width}x{rgb.Height} but the annotations say {info.Width}x{info.Height}");

        int h = info.Height, w = info.Width;
        var kept = new List<(float[] Box, int Label, CocoAnnotation Annotation)>();
        foreach (var a in Annotations(info.Id))
        {
            if (a.IsCrowd) continue;
            if (a.Bbox.Length != 4) throw new InvalidDataException($"annotation {a.Id} of {path}: bbox needs 4 numbers, has {a.Bbox.Length}");
            // torchvision adds w,h to x,y in float32, then clamps to the image, then drops empty boxes.
            float x1 = (float)a.Bbox[0], y1 = (float)a.Bbox[1];
            float x2 = x1 + (float)a.Bbox[2], y2 = y1 + (float)a.Bbox[3];
            x1 = Math.Clamp(x1, 0, w); x2 = Math.Clamp(x2, 0, w);
            y1 = Math.Clamp(y1, 0, h); y2 = Math.Clamp(y2, 0, h);
            if (x2 > x1 && y2 > y1) kept.Add(([x1, y1, x2, y2], CategoryIdToLabel(a.CategoryId), a));
        }

        int n = kept.Count;
        var boxes = new float[n * 4];
        var labels = new long[n];
        // Decoded straight into the tensor, one plane at a time: a managed [N,H,W] copy first would double the peak
        // (1 GB more for 1,000 instances at 1000×1000).
        var masks = zeros([n, h, w], ScalarType.Byte);
        try
        {
            for (int i = 0; i < n; i++)
            {
                kept[i].Box.CopyTo(boxes, i * 4);
                labels[i] = kept[i].Label;
                using var plane = masks[i];
                DecodeMask(kept[i].Annotation, h, w, path).CopyTo(plane.bytes);
            }
        }
        catch
        {
            masks.Dispose();
            throw;
        }

        var image = ImageIo.ToTensor(rgb);
        var target = new TargetSet(
            tensor(boxes, new long[] { n, 4 }),
            tensor(labels, new long[] { n }),
            masks);
        return new DatasetItem(image, target, info.Id);
    }

    static byte[] DecodeMask(CocoAnnotation a, int h, int w, string path)
    {
        switch (a.Segmentation)
        {
            case PolygonSegmentation p:
                return MaskApi.Decode(MaskApi.FromPolygons(p.Polygons, h, w));
            case RleSegmentation { Rle: var rle }:
                if (rle.Height != h || rle.Width != w)
                    throw new InvalidDataException(
                        $"annotation {a.Id} of {path}: RLE is {rle.Width}x{rle.Height} but the image is {w}x{h}");
                return MaskApi.Decode(rle);
            default:
                throw new InvalidDataException($"annotation {a.Id} of {path} has no segmentation; Mask R-CNN needs one");
        }
    }

    /// <summary>torchvision references' <c>_has_valid_annotation</c> (without the keypoint rule).</summary>
    static bool HasValidAnnotation(IReadOnlyList<CocoAnnotation> annotations) =>
        annotations.Count > 0 && !annotations.All(a => a.Bbox.Skip(2).Any(side => side <= 1));

    bool IsReadable(CocoImageInfo info, Action<string> warn)
    {
        string path = Path.Combine(ImageDirectory, info.FileName);
        try
        {
            var (width, height) = ImageIo.ReadSize(path);
            if (width == info.Width && height == info.Height) return true;
            warn($"skipping image {info.Id} ({path}): it is {width}x{height} but the annotations say {info.Width}x{info.Height}");
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            warn($"skipping image {info.Id}: {e.Message}");
        }
        return false;
    }
}
