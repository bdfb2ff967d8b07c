using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

public sealed class CocoDatasetTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    string WriteImage(string name, int width, int height, byte fill = 0)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, fill);
        ImageIo.SavePng(new RgbImage(width, height, pixels), _dir.File(name));
        return name;
    }

    /// <summary>A 6×4 mask (row-major) with ones at the listed (x, y).</summary>
    static byte[] Mask(int w, int h, params (int X, int Y)[] on)
    {
        var m = new byte[w * h];
        foreach (var (x, y) in on) m[y * w + x] = 1;
        return m;
    }

    static CocoAnnotation Annotation(long id, long imageId, long categoryId, double[] bbox, bool crowd = false,
        CocoSegmentation? segmentation = null) =>
        new(id, imageId, categoryId, bbox, bbox[2] * bbox[3], crowd, segmentation);

    [Fact]
    public void NonContiguousCategoryIdsBecomeLabelsOneToKByIncreasingId()
    {
        var coco = new CocoInstances([], [new CocoCategory(9, "nine"), new CocoCategory(2, "two"), new CocoCategory(5, "five")], []);
        var ds = new CocoDataset(coco, _dir.Path);
        Assert.Equal(new[] { "__background__", "two", "five", "nine" }, ds.ClassNames);
        Assert.Equal(4, ds.NumClasses);
        Assert.Equal(new[] { 1, 2, 3 }, new long[] { 2, 5, 9 }.Select(ds.CategoryIdToLabel));
        Assert.Equal(new long[] { 2, 5, 9 }, new[] { 1, 2, 3 }.Select(ds.LabelToCategoryId));
        Assert.Throws<KeyNotFoundException>(() => ds.CategoryIdToLabel(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.LabelToCategoryId(0));
    }

    [Fact]
    public void LoadBuildsTorchvisionTargets()
    {
        const int w = 6, h = 4;
        var maskA = Mask(w, h, (1, 1), (2, 1), (2, 2));
        var maskB = Mask(w, h, (5, 3));
        var coco = new CocoInstances(
            [new CocoImageInfo(7, WriteImage("a.png", w, h, fill: 51), w, h)],
            [new CocoCategory(3, "cat"), new CocoCategory(10, "dog")],
            [
                Annotation(1, 7, 10, [1, 1, 2, 2], segmentation: new RleSegmentation(MaskApi.Encode(maskA, h, w))),
                Annotation(2, 7, 3, [0, 0, 6, 4], crowd: true, segmentation: new RleSegmentation(MaskApi.Encode(maskB, h, w))),
                // Box spilling over the right edge: clamped to the image, as torchvision does.
                Annotation(3, 7, 3, [4.5, 2, 3, 5], segmentation: new RleSegmentation(MaskApi.Encode(maskB, h, w))),
                // A zero-width box is dropped with its mask.
                Annotation(4, 7, 3, [2, 2, 0, 1], segmentation: new RleSegmentation(MaskApi.Encode(maskB, h, w))),
                // A polygon: the 2×2 square with corners (3,0) and (5,2), rasterized as pycocotools does.
                Annotation(5, 7, 10, [3, 0, 2, 2], segmentation: new PolygonSegmentation([[3, 0, 5, 0, 5, 2, 3, 2]])),
            ]);
        var ds = new CocoDataset(coco, _dir.Path);
        using var item = ds.Load(0);
        Assert.Equal(7, item.ImageId);
        Assert.Equal(new long[] { 3, h, w }, item.Image.shape);
        Assert.All(item.Image.data<float>().ToArray(), v => Assert.Equal(51 / 255f, v));

        Assert.Equal(new float[] { 1, 1, 3, 3, 4.5f, 2, 6, 4, 3, 0, 5, 2 }, item.Target.Boxes.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 1, 2 }, item.Target.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 3, h, w }, item.Target.Masks.shape);
        var masks = item.Target.Masks.data<byte>().ToArray();
        Assert.Equal(maskA, masks[..(w * h)]);
        Assert.Equal(maskB, masks[(w * h)..(2 * w * h)]);
        var polygonMask = MaskApi.Decode(MaskApi.FromPolygons([[3, 0, 5, 0, 5, 2, 3, 2]], h, w));
        Assert.Equal(polygonMask, masks[(2 * w * h)..]);
    }

    [Fact]
    public void ImagesComeInIdOrderAndEmptyOnesCanBeRemovedAsTorchvisionDoes()
    {
        var seg = new PolygonSegmentation([[0, 0, 3, 0, 3, 3, 0, 3]]);
        var coco = new CocoInstances(
            [
                new CocoImageInfo(30, WriteImage("c.png", 4, 4), 4, 4),  // only a tiny box: removed
                new CocoImageInfo(10, WriteImage("a.png", 4, 4), 4, 4),  // a normal annotation: kept
                new CocoImageInfo(20, WriteImage("b.png", 4, 4), 4, 4),  // no annotation: removed
                new CocoImageInfo(40, WriteImage("d.png", 4, 4), 4, 4),  // only a crowd annotation: kept, as there
            ],
            [new CocoCategory(1, "x")],
            [
                Annotation(1, 10, 1, [0, 0, 3, 3], segmentation: seg),
                Annotation(2, 30, 1, [0, 0, 1, 3], segmentation: seg),
                Annotation(3, 40, 1, [0, 0, 3, 3], crowd: true, segmentation: seg),
            ]);
        Assert.Equal(new long[] { 10, 20, 30, 40 },
            Enumerable.Range(0, 4).Select(i => new CocoDataset(coco, _dir.Path).ImageInfo(i).Id));
        var filtered = new CocoDataset(coco, _dir.Path, new CocoDatasetOptions(RemoveImagesWithoutAnnotations: true));
        Assert.Equal(new long[] { 10, 40 }, Enumerable.Range(0, filtered.Count).Select(i => filtered.ImageInfo(i).Id));
        using var crowdOnly = filtered.Load(1);
        Assert.Equal(0, crowdOnly.Target.Count);
        Assert.Equal(new long[] { 0, 4, 4 }, crowdOnly.Target.Masks.shape);
    }

    [Fact]
    public void BadImagesFailByNameOrAreSkippedWithAWarning()
    {
        File.WriteAllText(_dir.File("corrupt.png"), "not a png");
        var coco = new CocoInstances(
            [
                new CocoImageInfo(1, WriteImage("good.png", 4, 4), 4, 4),
                new CocoImageInfo(2, "missing.png", 4, 4),
                new CocoImageInfo(3, "corrupt.png", 4, 4),
                new CocoImageInfo(4, WriteImage("wrong-size.png", 5, 4), 4, 4),
            ],
            [new CocoCategory(1, "x")], []);

        var strict = new CocoDataset(coco, _dir.Path);
        Assert.Equal(4, strict.Count);
        Assert.Contains("missing.png", Assert.Throws<FileNotFoundException>(() => strict.Load(1)).Message);
        Assert.Contains("corrupt.png", Assert.Throws<InvalidDataException>(() => strict.Load(2)).Message);
        Assert.Contains("wrong-size.png", Assert.Throws<InvalidDataException>(() => strict.Load(3)).Message);

        var warnings = new List<string>();
        var lenient = new CocoDataset(coco, _dir.Path, new CocoDatasetOptions(OnBadImage: BadImagePolicy.SkipWithWarning, Warn: warnings.Add));
        Assert.Equal(1, lenient.Count);
        Assert.Equal(1, lenient.ImageInfo(0).Id);
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, m => m.Contains("missing.png"));
        Assert.Contains(warnings, m => m.Contains("corrupt.png"));
        Assert.Contains(warnings, m => m.Contains("wrong-size.png"));
    }

    [Fact]
    public void UnknownCategoryIsReportedWithTheAnnotation()
    {
        var coco = new CocoInstances([new CocoImageInfo(1, "a.png", 4, 4)], [new CocoCategory(1, "x")],
            [Annotation(77, 1, 2, [0, 0, 1, 1])]);
        var e = Assert.Throws<InvalidDataException>(() => new CocoDataset(coco, _dir.Path));
        Assert.Contains("77", e.Message);
    }

    // End to end: the generated data set read back from disk gives the generator's masks and classes.
    [Fact]
    public void OpensAGeneratedShapesDataSet()
    {
        ShapesDataset.Generate(_dir.Path, 4, seed: 1, imageSize: 64);
        var ds = CocoDataset.Open(_dir.File("annotations.json"), _dir.File("images"));
        var shapes = new ShapesDataset(seed: 1, imageSize: 64);
        Assert.Equal(4, ds.Count);
        Assert.Equal(new[] { "__background__", "square", "circle", "triangle" }, ds.ClassNames);
        for (int i = 0; i < ds.Count; i++)
        {
            var sample = shapes.Sample(i);
            using var item = ds.Load(i);
            Assert.Equal(sample.Instances.Select(s => (long)s.Kind), item.Target.Labels.data<long>().ToArray());
            Assert.Equal(sample.Instances.SelectMany(s => s.VisibleMask), item.Target.Masks.data<byte>().ToArray());
            using var expectedImage = ImageIo.ToTensor(sample.Image);
            Assert.Equal(expectedImage.data<float>().ToArray(), item.Image.data<float>().ToArray());
        }
    }
}
