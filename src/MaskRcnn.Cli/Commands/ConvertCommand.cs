using System.CommandLine;
using MaskRcnn.Data.Import;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn convert --from FORMAT|auto --input PATH [--images DIR] --output instances.json [--force]</c>: a lab's
/// annotations (mask folders, label images, VIA, LabelMe, COCO) as one validated COCO instances JSON.
/// </summary>
static class ConvertCommand
{
    const int ListedSkips = 20;

    public static Command Create(CliContext context)
    {
        var from = new Option<string>("--from")
        {
            Description = "Annotation format: masks (<id>/images/ + <id>/masks/*.png), labels (label images: images/ + labels/, or x.png + x_masks.png), " +
                          "via (VIA 2.x project or region JSON), labelme (a LabelMe JSON or a folder of them), coco, or auto (detect, and say why)",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong([.. DatasetFormatNames.All]);
        var input = new Option<string>("--input", "-i") { Description = "The annotation file or folder", Required = true };
        var images = new Option<DirectoryInfo?>("--images")
        {
            Description = "Folder of the pictures a VIA, LabelMe or COCO JSON names (default: the JSON's folder)",
        };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The COCO instances JSON to write", Required = true };
        var classAttribute = new Option<string?>("--class-attribute")
        {
            Description = "VIA: the region attribute that holds the class (default: the only attribute, or one class when there is none)",
        };
        var keepEmpty = new Option<bool>("--keep-empty-images") { Description = "Keep pictures without any object, as negatives (default: leave them out, counted)" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip bad items (listed) instead of stopping at the first" };
        var force = CommonOptions.Force();
        var command = new Command("convert",
            "Convert annotations to a validated COCO instances JSON. The JSON refers to the pictures where they are (pass that folder as " +
            "--train-images/--images), except for nested layouts (mask folders), whose pictures are copied into <output stem>_images/ next to the JSON")
        {
            from, input, images, output, classAttribute, keepEmpty, skipInvalid, force,
        };
        command.SetAction(parse =>
        {
            string outputPath = parse.GetValue(output)!.FullName;
            var result = DatasetImporter.Import(new ImportRequest
            {
                Format = DatasetFormatNames.Parse(parse.GetValue(from)!),
                InputPath = parse.GetValue(input)!,
                ImagesDirectory = parse.GetValue(images)?.FullName,
                ClassAttribute = parse.GetValue(classAttribute),
                KeepEmptyImages = parse.GetValue(keepEmpty),
                SkipInvalid = parse.GetValue(skipInvalid),
            });
            context.Err.WriteLine($"format: {DatasetFormatNames.Name(result.Format)} ({result.FormatReason})");
            CommonOptions.RefuseOverwrite(ConvertedDatasetWriter.ExistingOutputs(result, outputPath), parse.GetValue(force));
            var written = ConvertedDatasetWriter.Write(result, outputPath);
            foreach (var skipped in result.Summary.Skipped.Take(ListedSkips))
                context.Err.WriteLine($"skipped: {skipped}");
            if (result.Summary.Skipped.Count > ListedSkips)
                context.Err.WriteLine($"skipped: … and {result.Summary.Skipped.Count - ListedSkips} more");
            context.Out.WriteLine($"{written.AnnotationsPath}: {result.Summary.Describe()}");
            context.Out.WriteLine(written.ImagesCopied
                ? $"images copied to {written.ImagesDirectory} (use it as --train-images / --images)"
                : $"images stay in {written.ImagesDirectory} (use it as --train-images / --images)");
            return ExitCodes.Success;
        });
        return command;
    }
}
