using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Inference;
using MaskRcnn.Tests.Inference;

namespace MaskRcnn.Tests.Cli;

/// <summary>
/// <c>predict --annotations GT.json --results-file R.json</c> then <c>eval --gt GT.json --results R.json</c> scores
/// exactly what <c>eval --weights</c> scores on the same model and images.
/// </summary>
public sealed class PredictResultsFileTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    string NewPath(string name) => Path.Combine(files.Folder, Guid.NewGuid().ToString("N"), name);

    /// <summary>
    /// Ground truth for the two scenes with ids COCO would not guess from the names (902, 31): every other detection the
    /// seeded model makes above 0.3, so that its AP is neither 0 nor 1 (the rest are false positives).
    /// </summary>
    string WriteGroundTruth(bool onlySceneA = false)
    {
        using var predictor = Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0.3f });
        var images = new List<CocoImageInfo>();
        var annotations = new List<CocoAnnotation>();
        foreach (var (file, id) in new[] { (files.ImageA, 902L), (files.ImageB, 31L) }.Take(onlySceneA ? 1 : 2))
        {
            images.Add(new CocoImageInfo(id, Path.GetFileName(file), TinyPredictorFiles.Width, TinyPredictorFiles.Height));
            foreach (var p in predictor.Predict(file).Where((_, i) => i % 2 == 0))
            {
                var r = p.ToCocoResult(id);
                annotations.Add(new CocoAnnotation(annotations.Count + 1, id, p.CategoryId, r.Bbox, MaskApi.Area(p.Rle), false, new RleSegmentation(p.Rle)));
            }
        }
        Assert.True(annotations.Count >= 2, "the seeded model should find objects to annotate");
        string path = NewPath("gt.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        CocoJson.WriteInstances(path, new CocoInstances(images, [new CocoCategory(7, "disc"), new CocoCategory(18, "block")], annotations));
        return path;
    }

    [Fact]
    public void Predict_then_eval_of_the_results_file_equals_eval_of_the_model()
    {
        string gt = WriteGroundTruth();
        string results = NewPath("R.json"), viaResults = NewPath("via-results.json"), viaModel = NewPath("via-model.json");
        var predict = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageFolder, "-o", NewPath("out"),
            "--annotations", gt, "--results-file", results, "--score-threshold", "0");
        Assert.True(predict.ExitCode == 0, predict.Err);
        Assert.Contains(results, predict.Out);

        var written = CocoJson.ReadResults(results);
        Assert.Equal([31L, 902L], written.Select(r => r.ImageId).Distinct());
        var direct = CocoJson.ReadResults(results, CocoJson.ReadInstances(gt));
        Assert.Equal(written.Count, direct.Count);

        var fromFile = CliRunner.Run("eval", "--gt", gt, "--results", results, "--json", viaResults);
        Assert.True(fromFile.ExitCode == 0, fromFile.Err);
        var fromModel = CliRunner.Run("eval", "--weights", files.WeightsPath, "--images", files.ImageFolder, "--annotations", gt, "--json", viaModel);
        Assert.True(fromModel.ExitCode == 0, fromModel.Err);
        var a = EvalCommandTests.ReadStats(viaResults);
        var b = EvalCommandTests.ReadStats(viaModel);
        Assert.Equal(["bbox", "segm"], a.Keys);
        foreach (var type in a.Keys)
        {
            Assert.Equal(b[type], a[type]);
            Assert.InRange(a[type][1], 0.01, 0.99); // AP50: a real score, not a trivial 0 or 1
        }
    }

    [Fact]
    public void An_image_the_ground_truth_lacks_stops_the_run_naming_the_file_and_nothing_is_written()
    {
        string gt = WriteGroundTruth(onlySceneA: true);
        string output = NewPath("out"), results = NewPath("R.json");
        var (code, _, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageFolder, "-o", output,
            "--annotations", gt, "--results-file", results);
        Assert.Equal(1, code);
        Assert.Single(CliRunner.Lines(err));
        Assert.Contains("scene_b.png: no image with file_name 'scene_b.png' in " + gt, err);
        Assert.False(Directory.Exists(output));
        Assert.False(File.Exists(results));
    }

    [Fact]
    public void An_existing_results_file_is_kept_unless_forced()
    {
        string results = NewPath("R.json");
        Directory.CreateDirectory(Path.GetDirectoryName(results)!);
        File.WriteAllText(results, "[]");
        var refused = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", NewPath("out"), "--results-file", results);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(results + " already exists", refused.Err);
        Assert.Equal("[]", File.ReadAllText(results));

        var forced = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", NewPath("out"), "--results-file", results,
            "--force", "--score-threshold", "0");
        Assert.True(forced.ExitCode == 0, forced.Err);
        Assert.NotEmpty(CocoJson.ReadResults(results)); // without --annotations: the default ids (scene_a is image 1)
        Assert.All(CocoJson.ReadResults(results), r => Assert.Equal(1, r.ImageId));
    }
}
