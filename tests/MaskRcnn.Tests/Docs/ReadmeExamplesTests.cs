using System.Text.RegularExpressions;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Cli;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Tests.Docs;

/// <summary>
/// Every <c>maskrcnn</c> line between the README's cli-examples markers runs as written on tiny inputs laid out
/// under the names the README uses, so the documented commands cannot go stale.
/// </summary>
[Collection(Training.SerialTorchRandomness.Name)]
public sealed class ReadmeExamplesTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    static readonly HashSet<string> PathOptions =
    [
        "--weights", "--input", "--output", "--gt", "--results", "--json", "--images", "--annotations",
        "--train-images", "--train-annotations", "--val-images", "--val-annotations", "--config", "--results-file",
    ];

    public static IReadOnlyList<string> Examples()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var match = Regex.Match(readme, "<!-- cli-examples:begin.*?-->(.*?)<!-- cli-examples:end -->", RegexOptions.Singleline);
        Assert.True(match.Success, "README.md has no cli-examples block");
        return match.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("maskrcnn ", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void The_readme_shows_every_sub_command()
    {
        var shown = Examples().Select(l => l.Split(' ')[1]).ToHashSet();
        foreach (var name in new[] { "demo", "convert", "train", "predict", "eval", "inspect", "info", "benchmark" })
            Assert.Contains(name, shown);
    }

    [Fact]
    public void Every_readme_example_runs_on_tiny_inputs()
    {
        LayOutInputs();
        foreach (var line in Examples())
        {
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            for (int i = 1; i < args.Count; i++)
                if (PathOptions.Contains(args[i - 1])) args[i] = temp.File(args[i]);
            // The demo's default budget is minutes of training; the same command runs here with a tiny one.
            if (args[0] == "demo") args = [.. Shrink(args, "--minutes", "0.03"), "--images", "8", "--val-images", "2", "--overlays", "1"];
            var (code, _, err) = CliRunner.Run([.. args]);
            Assert.True(code == 0, $"README example failed ({code}): {line}\n{err}");
        }
        Assert.True(File.Exists(temp.File("predictions", "scene_a.json")));
        Assert.True(File.Exists(temp.File("stats.json")));
        Assert.True(File.Exists(temp.File("val-stats.json")));
        Assert.True(File.Exists(temp.File("nuclei", "train.json")));
        Assert.True(File.Exists(temp.File("runs", "shapes", "model_final.safetensors")));
        Assert.True(File.Exists(temp.File("runs", "shapes-bf16", "model_final.safetensors")));
        Assert.True(File.Exists(temp.File("maskrcnn-demo", "report.html")));
        Assert.True(Directory.EnumerateFiles(temp.File("maskrcnn-demo", "val_overlays"), "*.png").Any());
    }

    static List<string> Shrink(List<string> args, string option, string value)
    {
        int i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value;
        return args;
    }

    /// <summary>The README's file names: a tiny 3-class model, shapes data, photos and a COCO results file.</summary>
    void LayOutInputs()
    {
        ShapesDataset.Generate(temp.File("shapes", "train"), count: 4, seed: 1, imageSize: 64);
        ShapesDataset.Generate(temp.File("shapes", "val"), count: 2, seed: 2, imageSize: 64);
        // One sample folder of the shipped nuclei example (Data Science Bowl layout).
        string sample = Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "examples", "nuclei", "train")).Order(StringComparer.Ordinal).First();
        temp.CopyIn(sample, "nuclei", "train", Path.GetFileName(sample));
        Directory.CreateDirectory(temp.File("photos"));
        File.Copy(temp.File("shapes", "val", "images", "000001.png"), temp.File("photos", "scene_a.png"));
        File.Copy(temp.File("shapes", "val", "images", "000002.png"), temp.File("photos", "scene_b.png"));
        File.Copy(TestPaths.Fixture("coco-eval", "ground_truth.json"), temp.File("instances_val.json"));
        File.Copy(TestPaths.Fixture("coco-eval", "detections.json"), temp.File("detections.json"));
        var config = MaskRcnnConfig.ResNet18Fpn(numClasses: 4) with
        {
            Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16 },
            Transform = new TransformConfig { MinSize = [64], MaxSize = 64 },
            Rpn = new RpnConfig { AnchorSizes = [[8], [16], [32], [64], [128]], PreNmsTopNTest = 50, PostNmsTopNTest = 20 },
            RoiHeads = new RoiHeadsConfig { RepresentationSize = 16, MaskLayers = [8], MaskDimReduced = 8, DetectionsPerImage = 10, ScoreThresh = 0 },
        };
        torch.manual_seed(11);
        using var model = new MaskRcnnModel(config);
        ModelWeights.Save(model, temp.File("model.safetensors"));
    }
}
