using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

public class ShapesDatasetTests
{
    const int Size = 64;

    static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    [Fact]
    public void SameSeedWritesTheSameBytes()
    {
        using var root = new TempDirectory();
        string a = root.File("a"), b = root.File("b"), c = root.File("c");
        ShapesDataset.Generate(a, 6, seed: 42, imageSize: Size);
        ShapesDataset.Generate(b, 6, seed: 42, imageSize: Size);
        ShapesDataset.Generate(c, 6, seed: 43, imageSize: Size);
        var fa = Files(a);
        var fb = Files(b);
        Assert.Equal(7, fa.Count); // 6 images + annotations.json
        Assert.Equal(fa.Keys.Order(), fb.Keys.Order());
        foreach (var (name, bytes) in fa) Assert.Equal(bytes, fb[name]);
        Assert.NotEqual(fa["annotations.json"], Files(c)["annotations.json"]);
    }

    // Backgrounds keep every channel ≤ 100 and shapes have a channel ≥ 170, so the pixels a shape shows are
    // recognisable in the image alone: the masks must be exactly those, split by colour.
    [Fact]
    public void MasksAreExactlyTheVisibleShapePixels()
    {
        var dataset = new ShapesDataset(seed: 3, imageSize: Size);
        for (int index = 0; index < 12; index++)
        {
            var sample = dataset.Sample(index);
            var px = sample.Image.Pixels;
            var owner = new int[Size * Size];
            Array.Fill(owner, -1);
            for (int i = 0; i < sample.Instances.Count; i++)
            {
                var mask = sample.Instances[i].VisibleMask;
                var colours = new HashSet<int>();
                for (int p = 0; p < mask.Length; p++)
                {
                    if (mask[p] == 0) continue;
                    Assert.Equal(-1, owner[p]); // masks do not overlap
                    owner[p] = i;
                    colours.Add(px[3 * p] << 16 | px[3 * p + 1] << 8 | px[3 * p + 2]);
                }
                Assert.Single(colours); // one flat colour per shape, no anti-aliased edge
            }
            for (int p = 0; p < owner.Length; p++)
            {
                bool bright = Math.Max(px[3 * p], Math.Max(px[3 * p + 1], px[3 * p + 2])) >= 170;
                bool dark = Math.Max(px[3 * p], Math.Max(px[3 * p + 1], px[3 * p + 2])) <= 100;
                Assert.True(owner[p] >= 0 ? bright : dark, $"image {index} pixel {p}: owner {owner[p]}");
            }
        }
    }

    [Fact]
    public void EachImageHasOneToFourInstancesOfAllKinds()
    {
        var dataset = new ShapesDataset(seed: 5, imageSize: Size);
        var counts = new List<int>();
        var kinds = new HashSet<ShapeKind>();
        for (int index = 0; index < 40; index++)
        {
            var sample = dataset.Sample(index);
            counts.Add(sample.Instances.Count);
            foreach (var instance in sample.Instances)
            {
                kinds.Add(instance.Kind);
                Assert.True(instance.VisibleMask.Count(v => v != 0) >= 50, "shapes stay large enough to learn");
            }
        }
        Assert.All(counts, c => Assert.InRange(c, 1, 4));
        Assert.Contains(1, counts);
        Assert.Contains(4, counts);
        Assert.Equal(3, kinds.Count);
    }

    [Fact]
    public void CategoriesAreSquareCircleTriangle()
    {
        Assert.Equal(new[] { (1L, "square"), (2L, "circle"), (3L, "triangle") },
            ShapesDataset.Categories.Select(c => (c.Id, c.Name)));
    }

    // The file's segmentations (polygon where exact, RLE otherwise), boxes and areas describe the same pixels
    // as the in-memory samples.
    [Fact]
    public void AnnotationsFileDescribesTheVisiblePixels()
    {
        using var dir = new TempDirectory();
        ShapesDataset.Generate(dir.Path, 10, seed: 8, imageSize: Size);
        var coco = CocoJson.ReadInstances(dir.File("annotations.json"));
        var dataset = new ShapesDataset(seed: 8, imageSize: Size);
        Assert.Equal(10, coco.Images.Count);
        Assert.Equal(ShapesDataset.Categories.Select(c => c.Name), coco.Categories.Select(c => c.Name));
        int polygons = 0, rles = 0;
        for (int index = 0; index < 10; index++)
        {
            var image = coco.Images[index];
            Assert.True(File.Exists(dir.File("images", image.FileName)));
            var sample = dataset.Sample(index);
            var annotations = coco.Annotations.Where(a => a.ImageId == image.Id).ToArray();
            Assert.Equal(sample.Instances.Select(i => (long)i.Kind), annotations.Select(a => a.CategoryId));
            for (int i = 0; i < annotations.Length; i++)
            {
                var a = annotations[i];
                var mask = a.Segmentation switch
                {
                    PolygonSegmentation p => MaskApi.Decode(MaskApi.FromPolygons(p.Polygons, Size, Size)),
                    RleSegmentation r => MaskApi.Decode(r.Rle),
                    _ => throw new InvalidOperationException("no segmentation"),
                };
                if (a.Segmentation is PolygonSegmentation) polygons++; else rles++;
                Assert.Equal(sample.Instances[i].VisibleMask, mask);
                Assert.Equal(mask.Count(v => v != 0), a.Area);
                Assert.False(a.IsCrowd);
                var (x1, y1, x2, y2) = TightBox(mask);
                Assert.Equal(new double[] { x1, y1, x2 - x1 + 1, y2 - y1 + 1 }, a.Bbox);
            }
        }
        Assert.True(polygons > 0 && rles > 0, $"{polygons} polygons, {rles} RLEs: both storage forms are exercised");
    }

    static (int, int, int, int) TightBox(byte[] mask)
    {
        int x1 = Size, y1 = Size, x2 = -1, y2 = -1;
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
                if (mask[y * Size + x] != 0)
                {
                    x1 = Math.Min(x1, x); y1 = Math.Min(y1, y);
                    x2 = Math.Max(x2, x); y2 = Math.Max(y2, y);
                }
        return (x1, y1, x2, y2);
    }
}
