using System.CommandLine;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn demo</c>: the whole pipeline in minutes on CPU — generate a synthetic shapes dataset, train a
/// small Mask R-CNN on it within a time budget, evaluate it and write a report with overlays.
/// </summary>
static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = CommonOptions.Output("demo-run");
        var images = new Option<int>("--images") { Description = "Synthetic training images to generate", DefaultValueFactory = _ => 200 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the synthetic images in pixels", DefaultValueFactory = _ => 128 };
        var minutes = new Option<double>("--minutes") { Description = "Training time budget in minutes", DefaultValueFactory = _ => 5.0 };
        var seed = CommonOptions.Seed();
        var command = new Command("demo", "Generate a shapes dataset, train on it within a time budget, evaluate and write a report")
        {
            output, images, imageSize, minutes, seed,
        };
        command.SetAction(_ => Unavailable.Fail("the shapes dataset (Data/ShapesDataset), the Mask R-CNN model (Modeling/MaskRcnnModel) and the COCO evaluator (Evaluation/CocoEvaluator)"));
        return command;
    }
}
