using MaskRcnn.Data.Import;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

public class DatasetFormatDetectorTests
{
    [Theory]
    [InlineData("""{"info": {}, "images": [], "annotations": []}""", DatasetFormat.Coco, "COCO's")]
    [InlineData("""{"_via_settings": {}, "_via_img_metadata": {}}""", DatasetFormat.Via, "VIA project")]
    [InlineData("""{"a.png12": {"filename": "a.png", "size": 12, "regions": []}}""", DatasetFormat.Via, "VIA region data")]
    [InlineData("""{"version": "5.0", "shapes": [], "imagePath": "a.png"}""", DatasetFormat.LabelMe, "LabelMe's")]
    public void JsonFilesAreToldByTheirKeys(string json, DatasetFormat format, string reason)
    {
        using var dir = new TempDirectory();
        var detection = DatasetFormatDetector.Detect(ImportFiles.Text(dir.File("x.json"), json));
        Assert.Equal(format, detection.Format);
        Assert.Contains(reason, detection.Reason);
    }

    [Fact]
    public void UnknownInputSaysWhatWasLookedFor()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("lonely.png"), 4, 4);
        var e = Assert.Throws<ImportFormatException>(() => DatasetFormatDetector.Detect(dir.Path));
        Assert.StartsWith($"{dir.Path}: cannot tell the annotation format", e.Message);
        var json = ImportFiles.Text(dir.File("other.json"), """{"foo": 1}""");
        Assert.Contains("give --from FORMAT", Assert.Throws<ImportFormatException>(() => DatasetFormatDetector.Detect(json)).Message);
    }

    [Fact]
    public void MalformedJsonNamesTheFile()
    {
        using var dir = new TempDirectory();
        var json = ImportFiles.Text(dir.File("broken.json"), """{"images": [""");
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = json, Format = DatasetFormat.Via }));
        Assert.StartsWith($"{json}: malformed JSON", e.Message);
    }
}
