using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Shapes;

/// <summary>
/// A synthetic instance-segmentation data set small enough to train on a CPU: squares, circles and triangles
/// of random size, colour and position on a smooth random background, 1–4 per image, with occlusion-exact
/// instance masks. Everything derives from (seed, image index) through <see cref="DeterministicRandom"/>,
/// so the same seed gives the same bytes.
/// </summary>
/// <remarks>
/// Learnability: shapes are at least ~20 px across, lie wholly inside the image, and are bright (one channel
/// ≥ 170) on a dark background (channels ≤ 100). Occlusion: a new shape that would leave an earlier one less
/// than <see cref="MinVisibleFraction"/> visible is placed elsewhere (or, after several tries, not drawn), so
/// every shape that appears in the image is annotated — no unlabelled slivers of dropped instances.
/// </remarks>
public sealed class ShapesDataset
{
    public const double MinVisibleFraction = 0.3;
    const int MaxShapes = 4, PlacementTries = 30;

    public int Seed { get; }
    public int ImageSize { get; }

    public ShapesDataset(int seed, int imageSize = 256)
    {
        if (imageSize < 32) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "images must be at least 32 px");
        Seed = seed;
        ImageSize = imageSize;
    }

    /// <summary>COCO categories: square=1, circle=2, triangle=3.</summary>
    public static IReadOnlyList<CocoCategory> Categories { get; } =
        Enum.GetValues<ShapeKind>().Select(k => new CocoCategory((long)k, k.ToString().ToLowerInvariant(), "shape")).ToArray();

    /// <summary>Image <paramref name="index"/> of this data set, generated in memory.</summary>
    public ShapesSample Sample(int index)
    {
        var random = DeterministicRandom.ForKey(Seed, index);
        int size = ImageSize;
        var image = new RgbImage(size, size);
        PaintBackground(image, random);

        var owner = new int[size * size];
        Array.Fill(owner, -1);
        var shapes = new List<(ShapeOutline Outline, int FullArea, byte[] Colour)>();
        int wanted = random.NextInt(1, MaxShapes + 1);
        for (int s = 0; s < wanted; s++)
        {
            var colour = ShapeColour(random);
            for (int attempt = 0; attempt < PlacementTries; attempt++)
            {
                var outline = RandomOutline(random, size);
                var pixels = new bool[size * size];
                int area = outline.Rasterize(pixels, size, size);
                if (!LeavesEarlierVisible(owner, pixels, shapes.Select(x => x.FullArea).ToArray())) continue;
                for (int p = 0; p < pixels.Length; p++)
                    if (pixels[p]) owner[p] = shapes.Count;
                shapes.Add((outline, area, colour));
                break;
            }
        }

        var instances = new List<ShapeInstance>(shapes.Count);
        for (int i = 0; i < shapes.Count; i++)
        {
            var visible = new byte[size * size];
            for (int p = 0; p < owner.Length; p++)
            {
                if (owner[p] != i) continue;
                visible[p] = 1;
                Buffer.BlockCopy(shapes[i].Colour, 0, image.Pixels, p * 3, 3);
            }
            instances.Add(new ShapeInstance(shapes[i].Outline.Kind, visible, shapes[i].Outline.Polygon));
        }
        return new ShapesSample(image, instances);
    }

    /// <summary>
    /// Writes <c>images/000001.png</c>… and <c>annotations.json</c> (COCO instances, image ids 1..count) to
    /// <paramref name="outputDir"/>. Each mask is stored as the shape's polygon when rasterizing that polygon
    /// the COCO way (pycocotools) gives exactly the visible pixels — an unoccluded axis-aligned square — and
    /// as compressed RLE otherwise.
    /// </summary>
    public static CocoInstances Generate(string outputDir, int count, int seed, int imageSize = 256)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        var dataset = new ShapesDataset(seed, imageSize);
        string imageDir = Path.Combine(outputDir, "images");
        Directory.CreateDirectory(imageDir);
        var images = new List<CocoImageInfo>(count);
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < count; i++)
        {
            long imageId = i + 1;
            var sample = dataset.Sample(i);
            string fileName = $"{imageId:D6}.png";
            ImageIo.SavePng(sample.Image, Path.Combine(imageDir, fileName));
            images.Add(new CocoImageInfo(imageId, fileName, imageSize, imageSize));
            foreach (var instance in sample.Instances)
                annotations.Add(ToAnnotation(annotations.Count + 1, imageId, instance, imageSize));
        }
        var instances = new CocoInstances(images, Categories, annotations);
        CocoJson.WriteInstances(Path.Combine(outputDir, "annotations.json"), instances);
        return instances;
    }

    static CocoAnnotation ToAnnotation(long id, long imageId, ShapeInstance instance, int size)
    {
        var rle = MaskApi.Encode(instance.VisibleMask, size, size);
        CocoSegmentation segmentation = new RleSegmentation(rle);
        if (instance.Outline is { } outline
            && MaskApi.Decode(MaskApi.FromPolygons([outline], size, size)).AsSpan().SequenceEqual(instance.VisibleMask))
            segmentation = new PolygonSegmentation([outline]);
        return new CocoAnnotation(id, imageId, (long)instance.Kind, MaskApi.ToBbox(rle), MaskApi.Area(rle), false, segmentation);
    }

    static bool LeavesEarlierVisible(int[] owner, bool[] newPixels, int[] fullAreas)
    {
        var remaining = new int[fullAreas.Length];
        for (int p = 0; p < owner.Length; p++)
            if (owner[p] >= 0 && !newPixels[p]) remaining[owner[p]]++;
        for (int i = 0; i < fullAreas.Length; i++)
            if (remaining[i] < MinVisibleFraction * fullAreas[i]) return false;
        return true;
    }

    static ShapeOutline RandomOutline(DeterministicRandom random, int size)
    {
        double minExtent = Math.Min(20, size / 3.0), maxExtent = Math.Max(minExtent + 1, 0.45 * size);
        double extent = random.NextDouble(minExtent, maxExtent);
        var kind = (ShapeKind)random.NextInt(1, 4);
        double rotation = random.NextDouble(0, 2 * Math.PI);
        bool axisAligned = random.NextDouble() < 0.5;
        double cx = random.NextDouble(), cy = random.NextDouble(); // placed once the bounding radius is known

        switch (kind)
        {
            case ShapeKind.Circle:
            {
                double r = extent / 2;
                return new CircleOutline(Place(cx, r, size), Place(cy, r, size), r);
            }
            case ShapeKind.Square when axisAligned:
            {
                // Integer corners: the case where the COCO polygon raster is exact.
                int side = (int)extent;
                int x0 = (int)Math.Floor(cx * (size - side)), y0 = (int)Math.Floor(cy * (size - side));
                return new ConvexPolygonOutline(ShapeKind.Square, x0 + side / 2.0, y0 + side / 2.0,
                    [x0, y0, x0 + side, y0, x0 + side, y0 + side, x0, y0 + side]);
            }
            case ShapeKind.Square:
            {
                double r = extent / Math.Sqrt(2);
                return ConvexPolygonOutline.Regular(kind, 4, Place(cx, r, size), Place(cy, r, size), r, rotation);
            }
            default:
            {
                // An equilateral triangle about `extent` tall.
                double r = extent * 2 / 3;
                return ConvexPolygonOutline.Regular(kind, 3, Place(cx, r, size), Place(cy, r, size), r, rotation);
            }
        }
    }

    static double Place(double unit, double radius, int size) => radius + unit * (size - 2 * radius);

    static byte[] ShapeColour(DeterministicRandom random)
    {
        var c = new byte[3];
        for (int k = 0; k < 3; k++) c[k] = (byte)random.NextInt(0, 256);
        c[random.NextInt(0, 3)] = (byte)random.NextInt(170, 256);
        return c;
    }

    /// <summary>A solid colour or a linear gradient between two colours, all channels in [0, 100].</summary>
    static void PaintBackground(RgbImage image, DeterministicRandom random)
    {
        var from = new double[3];
        var to = new double[3];
        for (int k = 0; k < 3; k++) from[k] = random.NextInt(0, 101);
        bool solid = random.NextDouble() < 0.3;
        for (int k = 0; k < 3; k++) to[k] = solid ? from[k] : random.NextInt(0, 101);
        double angle = random.NextDouble(0, 2 * Math.PI), dx = Math.Cos(angle), dy = Math.Sin(angle);
        int w = image.Width, h = image.Height;
        // Project onto the gradient direction and normalise over the image's corners to t ∈ [0, 1].
        double[] corners = [0, w * dx, h * dy, w * dx + h * dy];
        double lo = corners.Min(), span = Math.Max(corners.Max() - lo, 1e-9);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double t = ((x + 0.5) * dx + (y + 0.5) * dy - lo) / span;
                for (int k = 0; k < 3; k++)
                    image.Pixels[(y * w + x) * 3 + k] = (byte)Math.Round(from[k] + (to[k] - from[k]) * t);
            }
    }
}
