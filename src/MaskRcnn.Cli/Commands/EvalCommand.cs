using System.CommandLine;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn eval</c>: COCO box and mask AP of a model on an annotated image set, with a report.</summary>
static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: true);
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of images", Required = true };
        var annotations = new Option<FileInfo>("--annotations") { Description = "COCO instances JSON of the images", Required = true };
        var output = CommonOptions.Output("eval");
        var iouTypes = new Option<string[]>("--iou-types")
        {
            Description = "What to evaluate",
            DefaultValueFactory = _ => ["bbox", "segm"],
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnlyFromAmong("bbox", "segm");
        var maxImages = new Option<int>("--max-images") { Description = "Evaluate on the first N images only (0: all)", DefaultValueFactory = _ => 0 };
        var saveGrid = new Option<int>("--save-grid") { Description = "Images to show as prediction/ground-truth pairs in the report", DefaultValueFactory = _ => 8 };
        var threads = CommonOptions.Threads();
        var command = new Command("eval", "Evaluate COCO box and mask AP; write metrics.json and report.html")
        {
            weights, images, annotations, output, iouTypes, maxImages, saveGrid, threads,
        };
        command.SetAction(_ => Unavailable.Fail("the Mask R-CNN model (Modeling/MaskRcnnModel), the COCO dataset (Data/CocoDataset) and the COCO evaluator (Evaluation/CocoEvaluator)"));
        return command;
    }
}
