using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Import;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

public class MaskFolderImporterTests
{
    [Fact]
    public void EachMaskIsOneRleInstanceWithItsExtentAsBox()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("a", "images", "a.png"), 10, 8);
        ImportFiles.Mask(dir.File("a", "masks", "m1.png"), 10, 8, (x, y) => x is >= 2 and <= 4 && y is >= 1 and <= 5);
        ImportFiles.Mask(dir.File("a", "masks", "m2.png"), 10, 8, (x, y) => x == 9 && y == 7);
        var result = DatasetImporter.Import(new ImportRequest { InputPath = dir.Path, Format = DatasetFormat.MaskFolders });
        Assert.Equal("a/images/a.png", Assert.Single(result.Instances.Images).FileName);
        var a = result.Instances.Annotations;
        Assert.Equal(2, a.Count);
        Assert.Equal(new double[] { 2, 1, 3, 5 }, a[0].Bbox);
        Assert.Equal(15, a[0].Area);
        Assert.Equal(new double[] { 9, 7, 1, 1 }, a[1].Bbox);
        var expected = new byte[80];
        expected[7 * 10 + 9] = 1;
        Assert.Equal(expected, MaskApi.Decode(((RleSegmentation)a[1].Segmentation!).Rle));
    }

    [Fact]
    public void MaskOfTheWrongSizeNamesTheFile()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("a", "images", "a.png"), 10, 8);
        string bad = ImportFiles.Mask(dir.File("a", "masks", "m1.png"), 9, 8, (x, y) => x == 1);
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = dir.Path }));
        Assert.Equal($"{bad}: mask is 9x8 but image a.png is 10x8", e.Message);
    }

    [Fact]
    public void EmptyMasksAreErrorsOrSkippedAndCounted()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("a", "images", "a.png"), 6, 6);
        ImportFiles.Mask(dir.File("a", "masks", "empty.png"), 6, 6, (_, _) => false);
        ImportFiles.Mask(dir.File("a", "masks", "full.png"), 6, 6, (_, _) => true);
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = dir.Path }));
        Assert.Contains("empty.png: mask of image a covers no pixel of the 6x6 image", e.Message);
        var result = DatasetImporter.Import(new ImportRequest { InputPath = dir.Path, SkipInvalid = true });
        Assert.Equal(36, Assert.Single(result.Instances.Annotations).Area);
        Assert.EndsWith("empty.png", Assert.Single(result.Summary.Skipped).File);
    }
}
