using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;

namespace MaskRcnn.Tests.Cli;

public sealed class BenchmarkCommandTests : IDisposable
{
    static readonly string[] StageKeys = ["transform", "backbone", "fpn", "rpn", "box_head", "mask_head", "postprocess"];

    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void HelpNamesTheTimedPipelineAndThePrecisions()
    {
        var (code, output, err) = CliRunner.Run("benchmark", "--help");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Matches(@"--warmup <warmup>\s+Untimed passes first \[default: 2\]", output);
        Assert.Matches(@"-n, --runs <runs>\s+Timed passes \[default: 5\]", output);
        Assert.Contains("--precision <bf16|fp32>", output);
        Assert.Contains("--box-score-threshold", output);
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void ATinyRunWritesEveryKeyOfTheReport(string precision)
    {
        var (weights, config, image) = TinyModelFiles();
        string json = temp.File("bench.json");
        string detections = temp.File("detections.safetensors");

        // Score threshold 0: the random model's ~1/4 scores must not leave the mask head without boxes.
        var (code, output, err) = CliRunner.Run("benchmark", "--weights", weights, "--config", config, "--input", image,
            "--warmup", "1", "--runs", "1", "--precision", precision, "--box-score-threshold", "0", "--detections-per-image", "7",
            "--json", json, "--save-detections", detections);

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("runs").GetInt32());
        double median = root.GetProperty("median_ms").GetDouble();
        Assert.True(median > 0);
        Assert.Equal(median, root.GetProperty("min_ms").GetDouble());
        Assert.Equal(median, root.GetProperty("max_ms").GetDouble());
        Assert.True(root.GetProperty("peak_rss_mb").GetDouble() > 0);
        Assert.Equal(7, root.GetProperty("detections").GetInt32());
        Assert.Equal(precision, root.GetProperty("precision").GetString());
        var stages = root.GetProperty("stages");
        Assert.Equal(StageKeys, stages.EnumerateObject().Select(p => p.Name));
        double stageSum = stages.EnumerateObject().Sum(p => p.Value.GetDouble());
        Assert.True(stageSum <= median, $"stages add up to {stageSum} ms, more than the whole run's {median} ms");
        foreach (var stage in StageKeys) Assert.Matches($@"(?m)^{stage}\s+\d+\.\d", output);

        var saved = SafeTensors.Load(detections);
        try
        {
            Assert.Equal([7, 4], saved["boxes"].shape);
            Assert.Equal([7, 1, 48, 64], saved["masks"].shape);
            Assert.Equal([3, 48, 64], saved["image"].shape);
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
    }

    [Fact]
    public void ZeroRunsIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("benchmark", "--weights", "w.safetensors", "--input", "x.png", "--runs", "0");
        Assert.Equal(2, code);
        Assert.Contains("--runs must be at least 1", err);
    }

    [Fact]
    public void AFolderIsRunImageAfterImageWithTheResidentSetAfterEachRun()
    {
        var (weights, config, image) = TinyModelFiles();
        string folder = System.IO.Directory.CreateDirectory(temp.File("images")).FullName;
        File.Copy(image, Path.Combine(folder, "a.png"));
        var pixels = new byte[40 * 56 * 3];
        ImageIo.SavePng(new RgbImage(40, 56, pixels), Path.Combine(folder, "b.png"));
        string json = temp.File("folder.json");

        var (code, _, err) = CliRunner.Run("benchmark", "--weights", weights, "--config", config, "--input", folder,
            "--warmup", "0", "--runs", "3", "--box-score-threshold", "0", "--detections-per-image", "3",
            "--no-batch-norm-folding", "--json", json);

        Assert.True(code == 0, err);
        Assert.Contains("2 images", err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(0, root.GetProperty("batch_norms_folded").GetInt32());
        var rss = root.GetProperty("runs_rss_mb").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(3, rss.Count);
        Assert.All(rss, mb => Assert.True(mb > 0 && mb <= root.GetProperty("peak_rss_mb").GetDouble() + 1));
        Assert.Equal(3, root.GetProperty("runs_heap_in_use_mb").GetArrayLength());
    }

    [Fact]
    public void AnUnknownPrecisionIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("benchmark", "--weights", "w.safetensors", "--input", "x.png", "--precision", "fp16");
        Assert.Equal(2, code);
        Assert.Contains("fp16", err);
    }

    [Fact]
    public void AConfigThatDisagreesWithNumClassesIsRejected()
    {
        var (weights, config, image) = TinyModelFiles();
        var (code, _, err) = CliRunner.Run("benchmark", "--weights", weights, "--config", config, "--input", image, "--num-classes", "91");
        Assert.Equal(1, code);
        Assert.Contains("91 classes were asked for", err);
    }

    /// <summary>The tests' tiny Mask R-CNN with its random initialisation, its config, and a 64×48 gradient image.</summary>
    (string Weights, string Config, string Image) TinyModelFiles()
    {
        string weights = temp.File("tiny.safetensors"), config = temp.File("tiny.json"), image = temp.File("image.png");
        using (var model = new MaskRcnnModel(TinyModel.Config)) ModelWeights.Save(model, weights);
        File.WriteAllText(config, TinyModel.Config.ToJson());
        var pixels = new byte[64 * 48 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 251);
        ImageIo.SavePng(new RgbImage(64, 48, pixels), image);
        return (weights, config, image);
    }
}
