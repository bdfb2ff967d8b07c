using System.Diagnostics;
using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Evaluation;
using MaskRcnn.Modeling;

namespace MaskRcnn.Inference;

/// <summary>
/// Runs a model over every image of a COCO data set and scores it with COCO's bbox and segm metrics, as
/// torchvision's detection references evaluate: every detection the model returns is kept, masks are binarised
/// above 0.5 and compressed to RLE, boxes become [x, y, w, h].
/// </summary>
public static class DatasetEvaluation
{
    /// <summary>Evaluates on the images of <paramref name="imageDirectory"/> annotated by the COCO file <paramref name="annotationsPath"/>.</summary>
    public static DatasetEvaluationResult Evaluate(MaskRcnnModel model, string imageDirectory, string annotationsPath, IProgress<InferenceProgress>? progress = null) =>
        Evaluate(model, CocoDataset.Open(annotationsPath, imageDirectory), progress);

    public static DatasetEvaluationResult Evaluate(MaskRcnnModel model, CocoDataset dataset, IProgress<InferenceProgress>? progress = null)
    {
        var (classes, mapping) = ChooseClasses(model.Config, dataset);
        using var predictor = new Predictor(model, new PredictorOptions { Classes = classes });
        var results = new List<CocoResult>();
        var clock = Stopwatch.StartNew();
        progress?.Report(new InferenceProgress(0, dataset.Count, clock.Elapsed));
        for (int i = 0; i < dataset.Count; i++)
        {
            var info = dataset.ImageInfo(i);
            string path = dataset.ImagePath(i);
            var image = predictor.LoadImage(path);
            // Masks are pasted at the decoded size, and segm IoU needs them at the annotated size.
            if (image.Width != info.Width || image.Height != info.Height)
                throw new InvalidDataException($"image {path} is {image.Width}x{image.Height} but the annotations say {info.Width}x{info.Height}");
            results.AddRange(predictor.Predict(image).Select(p => p.ToCocoResult(info.Id)));
            progress?.Report(new InferenceProgress(i + 1, dataset.Count, clock.Elapsed));
        }
        var bbox = CocoEvaluator.Evaluate(dataset.Instances, results, IouType.Bbox);
        var segm = CocoEvaluator.Evaluate(dataset.Instances, results, IouType.Segm);
        return new DatasetEvaluationResult(bbox, segm, results, classes, mapping);
    }

    /// <summary>
    /// How the model's labels become the data set's category ids: the config's classes when it lists them; else,
    /// when the model has as many classes as the data set, label l is the data set's l-th category by increasing
    /// id (how <see cref="CocoDataset"/> numbers them for training); else, when every category id is a valid label,
    /// labels are category ids (torchvision's COCO models, 91 classes for ids up to 90).
    /// </summary>
    /// <exception cref="ArgumentException">None of these fits.</exception>
    public static (ClassMap Classes, string Description) ChooseClasses(MaskRcnnConfig config, CocoDataset dataset)
    {
        var categoryIds = dataset.Instances.Categories.Select(c => c.Id).ToHashSet();
        if (config.Classes.Count > 0)
        {
            if (!config.Classes.Any(c => categoryIds.Contains(c.CategoryId)))
                throw new ArgumentException("none of the model config's class category ids is among the data set's categories");
            return (ClassMap.FromConfig(config), "labels mapped to category ids by the model config's classes");
        }
        if (config.NumClasses == dataset.NumClasses)
            return (ClassMap.FromDataset(dataset),
                "the model config lists no classes: label l taken as the data set's l-th category by increasing id");
        if (categoryIds.All(id => id >= 1 && id < config.NumClasses))
        {
            var names = dataset.Instances.Categories.ToDictionary(c => c.Id, c => c.Name);
            var identity = Enumerable.Range(1, config.NumClasses - 1)
                .Select(l => new ClassInfo(names.GetValueOrDefault(l, l.ToString(System.Globalization.CultureInfo.InvariantCulture)), l)).ToList();
            return (new ClassMap(identity), "the model config lists no classes: labels taken as category ids");
        }
        throw new ArgumentException(
            $"the model has {config.NumClasses - 1} classes and no class list, the data set {dataset.NumClasses - 1} categories " +
            $"with ids up to {categoryIds.DefaultIfEmpty().Max()}; give a model config whose Classes name the category ids");
    }
}
