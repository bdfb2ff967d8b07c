using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Import;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

/// <summary>
/// Label images against tests/fixtures/import/labels16.tif (make_fixtures.py): label 3 fills rows 1-4 × columns 1-5,
/// 1000 rows 6-10 × columns 2-4, 65535 rows 3-8 × columns 9-14, and 2 the single pixel (x 15, y 0).
/// </summary>
public class LabelImageImporterTests
{
    static readonly (double[] Box, double Area)[] Expected =
    [
        ([15, 0, 1, 1], 1),   // label 2
        ([1, 1, 5, 4], 20),   // label 3
        ([2, 6, 3, 5], 15),   // label 1000
        ([9, 3, 6, 6], 36),   // label 65535
    ];

    static void AssertFixtureInstances(ImportResult result)
    {
        var a = result.Instances.Annotations;
        Assert.Equal(Expected.Length, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(Expected[i].Box, a[i].Bbox);
            Assert.Equal(Expected[i].Area, a[i].Area);
        }
        Assert.Equal("object", Assert.Single(result.Instances.Categories).Name);
    }

    [Fact]
    public void CellPoseFlatPairingBySuffix()
    {
        using var dir = new TempDirectory();
        File.Copy(TestPaths.Fixture("import", "gray16.tif"), dir.File("cells.tif"));
        File.Copy(TestPaths.Fixture("import", "labels16.tif"), dir.File("cells_masks.tif"));
        ImportFiles.Picture(dir.File("unlabelled.png"), 16, 12);
        var result = DatasetImporter.Import(new ImportRequest { InputPath = dir.Path });
        Assert.Equal(DatasetFormat.LabelImages, result.Format);
        Assert.Equal("cells.tif", Assert.Single(result.Instances.Images).FileName);
        AssertFixtureInstances(result);
        var skipped = Assert.Single(result.Summary.Skipped);
        Assert.Equal("has no label image", skipped.Reason);
        Assert.EndsWith("unlabelled.png", skipped.File);
    }

    [Fact]
    public void StarDistFoldersPairBySameStem()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("images", "a.png"), 16, 12);
        Directory.CreateDirectory(dir.File("labels"));
        File.Copy(TestPaths.Fixture("import", "labels16.png"), dir.File("labels", "a.png"));
        var result = DatasetImporter.Import(new ImportRequest { InputPath = dir.Path });
        Assert.Contains("labels/", result.FormatReason);
        Assert.Equal(dir.File("images"), result.ImagesDirectory);
        AssertFixtureInstances(result);
    }

    [Fact]
    public void LabelImageWithoutPartnerNamesTheFile()
    {
        using var dir = new TempDirectory();
        File.Copy(TestPaths.Fixture("import", "labels16.tif"), dir.File("orphan_masks.tif"));
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = dir.Path, Format = DatasetFormat.LabelImages }));
        Assert.Equal($"{dir.File("orphan_masks.tif")}: label image has no partner picture (looked for orphan.* in {dir.Path})", e.Message);
    }

    [Fact]
    public void LabelImageOfTheWrongSizeNamesTheFile()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("x.png"), 15, 12);
        File.Copy(TestPaths.Fixture("import", "labels16.tif"), dir.File("x_masks.tif"));
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = dir.Path }));
        Assert.Equal($"{dir.File("x_masks.tif")}: label image is 16x12 but its picture x.png is 15x12", e.Message);
    }

    [Fact]
    public void EncodeLabelsEqualsEncodeOfEachLabelsMask()
    {
        var random = new Random(3);
        int h = 23, w = 17;
        var labels = new int[h * w];
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(4) == 0 ? 0 : random.Next(1, 9) * 1000;
        labels[0] = 5; // a label whose run starts at position 0
        labels[^1] = 7; // and one that ends the image
        var encoded = MaskApi.EncodeLabels(labels, h, w);
        Assert.Equal(labels.Where(v => v != 0).Distinct().Order(), encoded.Keys);
        foreach (var (value, rle) in encoded)
        {
            var mask = labels.Select(v => v == value ? (byte)1 : (byte)0).ToArray();
            Assert.Equal(MaskApi.Encode(mask, h, w).Counts, rle.Counts);
        }
    }
}
