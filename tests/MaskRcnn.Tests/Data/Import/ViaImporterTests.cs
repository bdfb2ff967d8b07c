using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Import;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

public class ViaImporterTests
{
    // A VIA 2.x region export (via_region_data.json) written by hand: every supported shape, one class attribute.
    const string Regions = """
    {
      "p1.png1234": {"filename": "p1.png", "size": 1234, "file_attributes": {}, "regions": [
        {"shape_attributes": {"name": "polygon", "all_points_x": [2, 8, 8, 2], "all_points_y": [2, 2, 6, 6]}, "region_attributes": {"type": "cell"}},
        {"shape_attributes": {"name": "rect", "x": 10, "y": 1, "width": 5, "height": 4}, "region_attributes": {"type": "debris"}},
        {"shape_attributes": {"name": "circle", "cx": 10, "cy": 10, "r": 3}, "region_attributes": {"type": "cell"}},
        {"shape_attributes": {"name": "ellipse", "cx": 4, "cy": 11, "rx": 3, "ry": 2, "theta": 0}, "region_attributes": {"type": "cell"}},
        {"shape_attributes": {"name": "polyline", "all_points_x": [14, 18, 16], "all_points_y": [10, 10, 14]}, "region_attributes": {"type": "cell"}}
      ]},
      "p2.png99": {"filename": "p2.png", "size": 99, "file_attributes": {}, "regions": []}
    }
    """;

    static string Setup(TempDirectory dir, string json)
    {
        ImportFiles.Picture(dir.File("pictures", "p1.png"), 20, 16);
        ImportFiles.Picture(dir.File("pictures", "p2.png"), 20, 16);
        return ImportFiles.Text(dir.File("via_region_data.json"), json);
    }

    static ImportResult Import(string file, TempDirectory dir, string? attribute = null, bool keepEmpty = false, bool skipInvalid = false) =>
        DatasetImporter.Import(new ImportRequest
        {
            InputPath = file, ImagesDirectory = dir.File("pictures"), ClassAttribute = attribute, KeepEmptyImages = keepEmpty, SkipInvalid = skipInvalid,
        });

    [Fact]
    public void EveryShapeBecomesAPolygonWithPycocotoolsBoxAndArea()
    {
        using var dir = new TempDirectory();
        var result = Import(Setup(dir, Regions), dir);
        Assert.Equal(DatasetFormat.Via, result.Format);
        Assert.Contains("'filename' and 'regions'", result.FormatReason);
        Assert.Equal(["cell", "debris"], result.Instances.Categories.Select(c => c.Name));
        var a = result.Instances.Annotations;
        Assert.Equal([1L, 2, 1, 1, 1], a.Select(x => x.CategoryId));

        // The polygon stays as written; a 6x4 axis-aligned rectangle of corners covers 24 pixels, its box [2, 2, 6, 4].
        Assert.Equal(new double[] { 2, 2, 8, 2, 8, 6, 2, 6 }, ((PolygonSegmentation)a[0].Segmentation!).Polygons[0]);
        Assert.Equal(new double[] { 2, 2, 6, 4 }, a[0].Bbox);
        Assert.Equal(24, a[0].Area);
        Assert.Equal(new double[] { 10, 1, 5, 4 }, a[1].Bbox);
        Assert.Equal(20, a[1].Area);

        // Curves: about pi*r^2 pixels (9pi = 28.3 and 6pi = 18.8), centred where VIA put them.
        Assert.InRange(a[2].Area, 9 * Math.PI - 3, 9 * Math.PI + 3);
        Assert.Equal(new double[] { 7, 7, 6, 6 }, a[2].Bbox);
        Assert.InRange(a[3].Area, 6 * Math.PI - 3, 6 * Math.PI + 3);
        Assert.Equal(new double[] { 1, 9, 6, 4 }, a[3].Bbox);
        Assert.Equal(new double[] { 14, 10, 18, 10, 16, 14 }, ((PolygonSegmentation)a[4].Segmentation!).Polygons[0]);

        // Every box and area is the polygon's rasterization (MaskApi.FromPolygon: pycocotools' frPoly).
        foreach (var annotation in a)
        {
            var mask = MaskApi.FromPolygons(((PolygonSegmentation)annotation.Segmentation!).Polygons, 16, 20);
            Assert.Equal(MaskApi.ToBbox(mask), annotation.Bbox);
            Assert.Equal(MaskApi.Area(mask), annotation.Area);
        }

        // p2 has no regions: left out unless asked, and counted either way.
        Assert.Equal("p1.png", Assert.Single(result.Instances.Images).FileName);
        Assert.Equal(1, result.Summary.EmptyImagesLeftOut);
        Assert.Equal(2, Import(Setup(dir, Regions), dir, keepEmpty: true).Instances.Images.Count);
    }

    [Fact]
    public void ProjectFileWithVia1RegionsObjectAndNoAttributesIsOneClass()
    {
        using var dir = new TempDirectory();
        var file = Setup(dir, """
        {"_via_settings": {}, "_via_attributes": {"region": {}, "file": {}},
         "_via_img_metadata": {"p1.png1": {"filename": "p1.png", "size": 1, "regions": {
           "0": {"shape_attributes": {"name": "rect", "x": 1, "y": 1, "width": 2, "height": 3}, "region_attributes": {}}}}}}
        """);
        var result = Import(file, dir);
        Assert.Contains("VIA project", result.FormatReason);
        Assert.Equal("object", Assert.Single(result.Instances.Categories).Name);
        Assert.Equal(new double[] { 1, 1, 2, 3 }, Assert.Single(result.Instances.Annotations).Bbox);
    }

    [Fact]
    public void ClassAttributeIsChosenByOptionWhenThereAreSeveral()
    {
        using var dir = new TempDirectory();
        var file = Setup(dir, """
        {"p1.png1": {"filename": "p1.png", "size": 1, "regions": [
          {"shape_attributes": {"name": "rect", "x": 1, "y": 1, "width": 2, "height": 3}, "region_attributes": {"type": "a", "stage": {"mitosis": true, "interphase": false}}}]}}
        """);
        var e = Assert.Throws<ImportFormatException>(() => Import(file, dir));
        Assert.Equal($"{file}: has region attributes stage, type; choose the one that holds the class with --class-attribute NAME", e.Message);
        Assert.Equal("mitosis", Assert.Single(Import(file, dir, attribute: "stage").Instances.Categories).Name);
        Assert.Equal("a", Assert.Single(Import(file, dir, attribute: "type").Instances.Categories).Name);
        Assert.Contains("has no region attribute 'kind'", Assert.Throws<ImportFormatException>(() => Import(file, dir, attribute: "kind")).Message);
    }

    [Theory]
    [InlineData("""{"name": "point", "cx": 3, "cy": 4}""", "region 0 of 'p1.png' has region type 'point', which is not supported (supported: polygon, polyline, rect, circle, ellipse)")]
    [InlineData("""{"name": "polygon", "all_points_x": [1, 5], "all_points_y": [1, 5]}""", "region 0 of 'p1.png' is a polygon with 2 points (a polygon needs at least 3)")]
    [InlineData("""{"name": "polygon", "all_points_x": [1, 5, 7], "all_points_y": [1, 5]}""", "region 0 of 'p1.png' is a polygon with missing or malformed coordinates")]
    [InlineData("""{"name": "rect", "x": 30, "y": 30, "width": 2, "height": 2}""", "region 0 of 'p1.png' covers no pixel of the 20x16 image")]
    public void BadRegionsNameTheFileAndTheRegion(string shape, string message)
    {
        using var dir = new TempDirectory();
        var file = Setup(dir, $$$"""{"p1.png1": {"filename": "p1.png", "size": 1, "regions": [{"shape_attributes": {{{shape}}}, "region_attributes": {}}]}}""");
        Assert.Equal($"{file}: {message}", Assert.Throws<ImportFormatException>(() => Import(file, dir)).Message);
        var skipped = Import(file, dir, skipInvalid: true, keepEmpty: true);
        Assert.Empty(skipped.Instances.Annotations);
        Assert.Equal(message, Assert.Single(skipped.Summary.Skipped).ToString()[(file.Length + 2)..]);
    }

    [Fact]
    public void MissingPictureSaysWhereItLooked()
    {
        using var dir = new TempDirectory();
        var file = Setup(dir, """{"gone.png1": {"filename": "gone.png", "size": 1, "regions": []}}""");
        var e = Assert.Throws<ImportFormatException>(() => Import(file, dir));
        Assert.Equal($"{file}: image 'gone.png' (key 'gone.png1') is not in {dir.File("pictures")} (give the pictures' folder with --images)", e.Message);
    }
}
