using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Import;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

public class LabelMeImporterTests
{
    // LabelMe 5.x JSON written by hand: label = class; group_id 1 joins two polygons of one "cell" into one object.
    const string Shapes = """
    {"version": "5.2.1", "flags": {}, "imagePath": "../pictures/a.png", "imageData": null, "imageHeight": 16, "imageWidth": 20, "shapes": [
      {"label": "cell", "points": [[2, 2], [8, 2], [8, 6], [2, 6]], "group_id": null, "shape_type": "polygon", "flags": {}},
      {"label": "nucleus", "points": [[15, 5], [10, 1]], "group_id": null, "shape_type": "rectangle", "flags": {}},
      {"label": "cell", "points": [[10, 10], [13, 10]], "group_id": null, "shape_type": "circle", "flags": {}},
      {"label": "cell", "points": [[1, 9], [3, 9], [3, 12]], "group_id": 1, "shape_type": "polygon", "flags": {}},
      {"label": "cell", "points": [[16, 9], [19, 9], [19, 12]], "group_id": 1, "flags": {}}
    ]}
    """;

    [Fact]
    public void ShapesBecomePolygonsAndGroupsOneObject()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("pictures", "a.png"), 20, 16);
        ImportFiles.Text(dir.File("json", "a.json"), Shapes);
        var result = DatasetImporter.Import(new ImportRequest { InputPath = dir.File("json") });
        Assert.Equal(DatasetFormat.LabelMe, result.Format);
        Assert.Contains("1 LabelMe JSON files", result.FormatReason);
        Assert.Equal("../pictures/a.png", Assert.Single(result.Instances.Images).FileName);
        Assert.Equal(["cell", "nucleus"], result.Instances.Categories.Select(c => c.Name));
        var a = result.Instances.Annotations;
        Assert.Equal(4, a.Count);
        Assert.Equal(new double[] { 2, 2, 6, 4 }, a[0].Bbox);
        Assert.Equal(new double[] { 10, 1, 5, 4 }, a[1].Bbox); // corners given in either order
        Assert.Equal(2, a[1].CategoryId);
        Assert.Equal(new double[] { 7, 7, 6, 6 }, a[2].Bbox); // centre (10, 10), radius 3: as VIA's circle
        var grouped = ((PolygonSegmentation)a[3].Segmentation!).Polygons;
        Assert.Equal(2, grouped.Count);
        Assert.Equal(new double[] { 16, 9, 19, 9, 19, 12 }, grouped[1]); // no shape_type: a polygon
        Assert.True(a[3].Bbox[0] <= 1 && a[3].Bbox[0] + a[3].Bbox[2] >= 19);
    }

    [Theory]
    [InlineData("""{"label": "cell", "points": [[1, 1], [5, 5]], "shape_type": "line"}""", "shape 0 has shape type 'line', which is not supported (supported: polygon, rectangle, circle)")]
    [InlineData("""{"label": "cell", "points": [[1, 1], [5, 5]], "shape_type": "polygon"}""", "shape 0 ('cell') is a polygon with 2 points (a polygon needs at least 3)")]
    [InlineData("""{"label": "", "points": [[1, 1], [5, 5], [1, 5]], "shape_type": "polygon"}""", "shape 0 has no label")]
    [InlineData("""{"label": "cell", "points": [[1, 1]], "shape_type": "circle"}""", "shape 0 is a circle with 1 points (expected 2)")]
    public void BadShapesNameTheFileAndTheShape(string shape, string message)
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("a.png"), 20, 16);
        var file = ImportFiles.Text(dir.File("a.json"), $$$"""{"imagePath": "a.png", "imageHeight": 16, "imageWidth": 20, "shapes": [{{{shape}}}]}""");
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = file }));
        Assert.Equal($"{file}: {message}", e.Message);
    }

    [Fact]
    public void PictureOfAnotherSizeThanTheJsonSaysIsAnError()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("a.png"), 20, 15);
        var file = ImportFiles.Text(dir.File("a.json"), """{"imagePath": "a.png", "imageHeight": 16, "imageWidth": 20, "shapes": []}""");
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = file, Format = DatasetFormat.LabelMe }));
        Assert.Equal($"{file}: imagePath 'a.png' says 20x16 but the picture is 20x15", e.Message);
    }
}
