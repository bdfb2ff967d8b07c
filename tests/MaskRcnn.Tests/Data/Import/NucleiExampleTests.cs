using MaskRcnn.Data.Images;
using MaskRcnn.Data.Import;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

/// <summary>
/// The shipped example (examples/nuclei: 2018 Data Science Bowl images, CC0) through the mask-folder importer,
/// against counts taken independently: mask files on disk, and pixels counted by a plain loop over Skia's decode
/// (the importer reads masks through ImageSharp).
/// </summary>
public class NucleiExampleTests
{
    static string Example(string split) => Path.Combine(TestPaths.RepoRoot, "examples", "nuclei", split);

    [Fact]
    public void MaskFoldersImportOneInstancePerMaskFile()
    {
        const string split = "train";
        const int images = 10;
        var result = DatasetImporter.Import(new ImportRequest { InputPath = Example(split) });
        Assert.Equal(DatasetFormat.MaskFolders, result.Format);
        Assert.Contains("images/ and masks/", result.FormatReason);
        var sampleFolders = Directory.GetDirectories(Example(split));
        Assert.Equal(images, sampleFolders.Length);
        Assert.Equal(images, result.Instances.Images.Count);
        int maskFiles = sampleFolders.Sum(d => Directory.GetFiles(Path.Combine(d, "masks"), "*.png").Length);
        Assert.Equal(maskFiles, result.Instances.Annotations.Count);
        Assert.Equal(maskFiles, result.Summary.Instances);
        Assert.Empty(result.Summary.Skipped);
        Assert.Equal("object", Assert.Single(result.Instances.Categories).Name);

        foreach (var image in result.Instances.Images)
        {
            var picture = Path.Combine(result.ImagesDirectory, image.FileName);
            Assert.Equal(ImageIo.ReadSize(picture), (image.Width, image.Height));
            string sample = Path.GetDirectoryName(Path.GetDirectoryName(picture))!;
            long pixels = 0;
            foreach (var mask in Directory.GetFiles(Path.Combine(sample, "masks"), "*.png"))
            {
                var rgb = ImageIo.Load(mask).Pixels;
                for (int i = 0; i < rgb.Length; i += 3)
                    if (rgb[i] != 0) pixels++;
            }
            var annotations = result.Instances.Annotations.Where(a => a.ImageId == image.Id).ToList();
            Assert.Equal(pixels, (long)annotations.Sum(a => a.Area));
            Assert.Equal(pixels, annotations.Sum(a => MaskApi.Area(((MaskRcnn.Data.Coco.RleSegmentation)a.Segmentation!).Rle)));
        }
    }

    [Fact]
    public void BoxesAreTheMasksExtents()
    {
        // One sample, every mask: the box is [min x, min y, max x - min x + 1, max y - min y + 1] of its pixels.
        string sample = Directory.GetDirectories(Example("test")).Order(StringComparer.Ordinal).First();
        var result = DatasetImporter.Import(new ImportRequest { InputPath = Example("test") });
        var image = result.Instances.Images.Single(i => i.FileName.StartsWith(Path.GetFileName(sample)));
        var boxes = result.Instances.Annotations.Where(a => a.ImageId == image.Id).Select(a => string.Join(",", a.Bbox)).ToHashSet();
        foreach (var mask in Directory.GetFiles(Path.Combine(sample, "masks"), "*.png"))
        {
            var decoded = ImageIo.Load(mask);
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            for (int y = 0; y < decoded.Height; y++)
                for (int x = 0; x < decoded.Width; x++)
                    if (decoded.Pixels[(y * decoded.Width + x) * 3] != 0)
                    {
                        x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
                    }
            Assert.Contains($"{x0},{y0},{x1 - x0 + 1},{y1 - y0 + 1}", boxes);
        }
    }
}
