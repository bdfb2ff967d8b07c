using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Evaluation;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Training;

namespace MaskRcnn.Tests.Inference;

public sealed class DatasetEvaluationTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    /// <summary>The fixture's two scenes as a COCO data set with image ids 5 and 9 and categories 7 (disc) and 18 (block).</summary>
    internal static string WriteGroundTruth(TinyPredictorFiles files)
    {
        string path = Path.Combine(files.Folder, "instances.json");
        static CocoAnnotation Box(long id, long image, long category, double x, double y, double w, double h) =>
            new(id, image, category, [x, y, w, h], w * h, false, new PolygonSegmentation([[x, y, x + w, y, x + w, y + h, x, y + h]]));
        CocoJson.WriteInstances(path, new CocoInstances(
            [new CocoImageInfo(5, "scene_a.png", TinyPredictorFiles.Width, TinyPredictorFiles.Height),
             new CocoImageInfo(9, "scene_b.png", TinyPredictorFiles.Width, TinyPredictorFiles.Height)],
            [new CocoCategory(7, "disc"), new CocoCategory(18, "block")],
            [Box(1, 5, 7, 20, 20, 30, 30), Box(2, 5, 18, 80, 30, 20, 25), Box(3, 9, 18, 70, 10, 20, 25)]));
        return path;
    }

    static CocoDataset Dataset(params long[] categoryIds) => new(
        new CocoInstances([], categoryIds.Select(id => new CocoCategory(id, $"c{id}")).ToList(), []), "unused");

    [Fact]
    public void The_configs_classes_decide_the_category_ids()
    {
        var (classes, how) = DatasetEvaluation.ChooseClasses(TinyPredictorFiles.Config, Dataset(7, 18, 30));
        Assert.Equal([7L, 18], classes.Classes.Select(c => c.CategoryId));
        Assert.Contains("config", how);
        Assert.Throws<ArgumentException>(() => DatasetEvaluation.ChooseClasses(TinyPredictorFiles.Config, Dataset(1, 2)));
    }

    [Fact]
    public void Without_classes_an_equal_class_count_maps_labels_to_sorted_category_ids()
    {
        var (classes, how) = DatasetEvaluation.ChooseClasses(MaskRcnnConfig.ResNet18Fpn(3), Dataset(18, 7));
        Assert.Equal([("c7", 7L), ("c18", 18L)], classes.Classes.Select(c => (c.Name, c.CategoryId)));
        Assert.Contains("lists no classes", how);
    }

    [Fact]
    public void Without_classes_a_coco_sized_model_takes_labels_as_category_ids()
    {
        var (classes, _) = DatasetEvaluation.ChooseClasses(MaskRcnnConfig.ResNet50Fpn(), Dataset(1, 90));
        Assert.Equal(90, classes.Classes.Count);
        Assert.Equal(new ClassInfo("c90", 90), classes[90]);
        Assert.Equal(new ClassInfo("2", 2), classes[2]);
        var e = Assert.Throws<ArgumentException>(() => DatasetEvaluation.ChooseClasses(MaskRcnnConfig.ResNet18Fpn(2), Dataset(7, 18)));
        Assert.Contains("Classes", e.Message);
    }

    [Fact]
    public void Evaluates_every_detection_of_every_image_with_the_data_sets_ids()
    {
        string gtPath = WriteGroundTruth(files);
        using var model = files.LoadModel();
        var reports = new List<InferenceProgress>();
        var outcome = DatasetEvaluation.Evaluate(model, files.ImageFolder, gtPath, new InlineProgress<InferenceProgress>(reports.Add));

        Assert.Equal([0, 1, 2], reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal(2, r.Total));
        using var predictor = new Predictor(model);
        int a = predictor.Predict(files.ImageA).Count, b = predictor.Predict(files.ImageB).Count;
        Assert.Equal(a + b, outcome.Results.Count);
        Assert.Equal(a, outcome.Results.Count(r => r.ImageId == 5));
        Assert.Equal(b, outcome.Results.Count(r => r.ImageId == 9));
        Assert.All(outcome.Results, r => Assert.Contains(r.CategoryId, new long[] { 7, 18 }));

        var gt = CocoJson.ReadInstances(gtPath);
        Assert.Equal(CocoEvaluator.Evaluate(gt, outcome.Results, IouType.Bbox).Stats, outcome.Bbox.Stats);
        Assert.Equal(CocoEvaluator.Evaluate(gt, outcome.Results, IouType.Segm).Stats, outcome.Segm.Stats);
        Assert.Equal(IouType.Segm, outcome.Segm.IouType);
    }
}
