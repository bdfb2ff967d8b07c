using MaskRcnn.Data.Import;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data.Import;

/// <summary>COCO as users have it: no bbox, uncompressed RLE, sparse category ids, images without annotations.</summary>
public class CocoImporterTests
{
    // Image 7 is 4 wide, 3 high. Uncompressed RLE counts are column-major: [3, 2, 7] = 3 zeros (column 0),
    // then pixels (y 0, x 1) and (y 1, x 1), then zeros: box [1, 0, 1, 2], area 2.
    const string Coco = """
    {"images": [{"id": 7, "file_name": "a.png", "width": 4, "height": 3}, {"id": 9, "file_name": "b.png", "width": 4, "height": 3}],
     "categories": [{"id": 42, "name": "nucleus"}, {"id": 1000, "name": "cell"}],
     "annotations": [
       {"id": 1, "image_id": 7, "category_id": 1000, "iscrowd": 0, "segmentation": [[1, 1, 1, 3, 3, 3, 3, 1]]},
       {"id": 2, "image_id": 7, "category_id": 42, "segmentation": {"size": [3, 4], "counts": [3, 2, 7]}}
     ]}
    """;

    [Fact]
    public void MissingBoxesComeFromTheSegmentation()
    {
        using var dir = new TempDirectory();
        var file = ImportFiles.Text(dir.File("instances.json"), Coco);
        var result = DatasetImporter.Import(new ImportRequest { InputPath = file });
        Assert.Equal(DatasetFormat.Coco, result.Format);
        var a = result.Instances.Annotations;
        // pycocotools: the polygon square (1,1)-(3,3) rasterizes to 2x2 pixels from (1, 1).
        Assert.Equal(new double[] { 1, 1, 2, 2 }, a[0].Bbox);
        Assert.Equal(4, a[0].Area);
        Assert.Equal(new double[] { 1, 0, 1, 2 }, a[1].Bbox);
        Assert.Equal(2, a[1].Area);
        Assert.Equal([42L, 1000], result.Instances.Categories.Select(c => c.Id));
        Assert.Equal(dir.Path, result.ImagesDirectory);
    }

    [Fact]
    public void ImagesWithoutAnnotationsAreKeptOnlyWhenAsked()
    {
        using var dir = new TempDirectory();
        var file = ImportFiles.Text(dir.File("instances.json"), Coco);
        var dropped = DatasetImporter.Import(new ImportRequest { InputPath = file });
        Assert.Equal([7L], dropped.Instances.Images.Select(i => i.Id));
        Assert.Equal(1, dropped.Summary.EmptyImagesLeftOut);
        Assert.Contains("1 images without instances left out", dropped.Summary.Describe());
        var kept = DatasetImporter.Import(new ImportRequest { InputPath = file, KeepEmptyImages = true });
        Assert.Equal([7L, 9], kept.Instances.Images.Select(i => i.Id));
    }

    [Fact]
    public void AnnotationWithNeitherBoxNorSegmentationIsNamed()
    {
        using var dir = new TempDirectory();
        var file = ImportFiles.Text(dir.File("instances.json"), """
            {"images": [{"id": 7, "file_name": "a.png", "width": 4, "height": 3}], "categories": [{"id": 1, "name": "x"}],
             "annotations": [{"id": 5, "image_id": 7, "category_id": 1}]}
            """);
        var e = Assert.Throws<ImportFormatException>(() => DatasetImporter.Import(new ImportRequest { InputPath = file, Format = DatasetFormat.Coco }));
        Assert.Equal($"{file}: annotations[0] (id 5) has neither 'bbox' nor 'segmentation'", e.Message);
    }
}
