using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Inference;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Tests.Cli;

public sealed class PredictCommandTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    string NewOutput() => Path.Combine(files.Folder, "out-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Writes_coco_results_with_exactly_the_coco_fields_and_an_overlay()
    {
        string output = NewOutput();
        var (code, stdout, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "--input", files.ImageA, "-o", output, "--score-threshold", "0.2");
        Assert.True(code == 0, err);
        string json = Path.Combine(output, "scene_a.json");
        Assert.Contains(json, stdout);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.EnumerateArray().ToList();
        using var predictor = Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0.2f });
        var expected = predictor.Predict(files.ImageA);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Assert.Equal(["bbox", "category_id", "image_id", "score", "segmentation"], r.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal(1, r.GetProperty("image_id").GetInt64()); // "scene_a" is not a number: its position
            Assert.Equal(expected[i].CategoryId, r.GetProperty("category_id").GetInt64());
            Assert.Equal(expected[i].Score, r.GetProperty("score").GetSingle());
            var b = expected[i].BoxXyxy;
            Assert.Equal([b[0], b[1], b[2] - b[0], b[3] - b[1]], r.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle()));
            var segmentation = r.GetProperty("segmentation");
            Assert.Equal(["counts", "size"], segmentation.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal([TinyPredictorFiles.Height, TinyPredictorFiles.Width], segmentation.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
            var rle = MaskApi.FromCompressedString(segmentation.GetProperty("counts").GetString()!, TinyPredictorFiles.Height, TinyPredictorFiles.Width);
            Assert.Equal(expected[i].Mask, MaskApi.Decode(rle));
            if (i > 0) Assert.True(results[i - 1].GetProperty("score").GetDouble() >= r.GetProperty("score").GetDouble());
        }

        var overlay = ImageIo.Load(Path.Combine(output, "scene_a.png"));
        Assert.Equal((TinyPredictorFiles.Width, TinyPredictorFiles.Height), (overlay.Width, overlay.Height));
        Assert.NotEqual(ImageIo.Load(files.ImageA).Pixels, overlay.Pixels);
    }

    [Fact]
    public void Test_time_settings_on_the_command_line_change_the_model_as_a_config_would()
    {
        string output = NewOutput();
        var (code, _, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "--input", files.ImageA, "-o", output,
            "--detections-per-image", "3", "--rpn-post-nms-top-n", "50", "--score-threshold", "0");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "scene_a.json")));
        // The seeded model finds more than 3 (its config keeps 20), so exactly the 3 best remain, as with the setting in a config.
        using var predictor = Predictor.Load(files.WeightsPath, adjustConfig: c => c with { RoiHeads = c.RoiHeads with { DetectionsPerImage = 3 }, Rpn = c.Rpn with { PostNmsTopNTest = 50 } });
        var expected = predictor.Predict(files.ImageA);
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected.Select(p => p.Score), doc.RootElement.EnumerateArray().Select(r => r.GetProperty("score").GetSingle()));

        var bad = CliRunner.Run("predict", "-w", files.WeightsPath, "--input", files.ImageA, "-o", NewOutput(), "--detections-per-image", "0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("DetectionsPerImage must be at least 1", bad.Err);
    }

    [Fact]
    public void A_folder_gives_one_json_and_png_per_image_numbered_by_numeric_stems_with_progress()
    {
        string images = Path.Combine(files.Folder, "numbered");
        Directory.CreateDirectory(images);
        File.Copy(files.ImageA, Path.Combine(images, "7.png"), overwrite: true);
        File.Copy(files.ImageB, Path.Combine(images, "12.png"), overwrite: true);
        string output = NewOutput();
        var (code, stdout, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", images, "-o", output, "--score-threshold", "0");
        Assert.True(code == 0, err);
        Assert.Equal(2, CliRunner.Lines(stdout).Length);
        Assert.Contains("predict 2/2", err);
        foreach (var id in new[] { 7, 12 })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, $"{id}.json")));
            Assert.All(doc.RootElement.EnumerateArray(), r => Assert.Equal(id, r.GetProperty("image_id").GetInt32()));
            Assert.True(File.Exists(Path.Combine(output, $"{id}.png")));
        }
    }

    [Fact]
    public void Batch_size_2_predicts_a_folder_as_the_librarys_batch_predict_and_writes_each_image()
    {
        string images = Path.Combine(files.Folder, "batched");
        Directory.CreateDirectory(images);
        File.Copy(files.ImageA, Path.Combine(images, "a.png"), overwrite: true);
        File.Copy(files.ImageB, Path.Combine(images, "b.png"), overwrite: true);
        string output = NewOutput();
        var (code, stdout, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", images, "-o", output, "--score-threshold", "0", "--batch-size", "2");
        Assert.True(code == 0, err);
        Assert.Equal(2, CliRunner.Lines(stdout).Length);

        using var predictor = Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0f });
        var expected = predictor.Predict([ImageIo.Load(files.ImageA), ImageIo.Load(files.ImageB)]);
        foreach (var (stem, predictions) in new[] { ("a", expected[0]), ("b", expected[1]) })
        {
            Assert.NotEmpty(predictions);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, stem + ".json")));
            var results = doc.RootElement.EnumerateArray().ToList();
            Assert.Equal(predictions.Count, results.Count);
            for (int i = 0; i < results.Count; i++)
            {
                Assert.Equal(predictions[i].Score, results[i].GetProperty("score").GetSingle());
                Assert.Equal(predictions[i].CategoryId, results[i].GetProperty("category_id").GetInt64());
                Assert.Equal(predictions[i].BoxXyxy[0], results[i].GetProperty("bbox")[0].GetSingle());
                var rle = MaskApi.FromCompressedString(results[i].GetProperty("segmentation").GetProperty("counts").GetString()!,
                    TinyPredictorFiles.Height, TinyPredictorFiles.Width);
                Assert.Equal(predictions[i].Mask, MaskApi.Decode(rle));
            }
            Assert.True(File.Exists(Path.Combine(output, stem + ".png")));
        }
    }

    [Fact]
    public void A_torch_save_pth_with_a_config_file_predicts_what_the_safetensors_does()
    {
        string pth = Path.Combine(files.Folder, "tiny.pth");
        using (var model = files.LoadModel())
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(pth, model.state_dict());
        string fromPth = NewOutput(), fromSafetensors = NewOutput();
        var a = CliRunner.Run("predict", "-w", pth, "--config", files.ConfigPath, "-i", files.ImageA, "-o", fromPth, "--score-threshold", "0");
        var b = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", fromSafetensors, "--score-threshold", "0");
        Assert.True(a.ExitCode == 0, a.Err);
        Assert.True(b.ExitCode == 0, b.Err);
        Assert.Equal(File.ReadAllText(Path.Combine(fromSafetensors, "scene_a.json")), File.ReadAllText(Path.Combine(fromPth, "scene_a.json")));

        var withoutConfig = CliRunner.Run("predict", "-w", pth, "-i", files.ImageA, "-o", NewOutput());
        Assert.Equal(1, withoutConfig.ExitCode);
        Assert.Contains(pth, withoutConfig.Err); // ResNet-50-FPN is assumed and does not fit
    }

    [Fact]
    public void Existing_outputs_are_kept_unless_forced()
    {
        string output = NewOutput();
        Directory.CreateDirectory(output);
        string existing = Path.Combine(output, "scene_b.png");
        File.WriteAllText(existing, "precious");
        var refused = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageB, "-o", output);
        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(CliRunner.Lines(refused.Err));
        Assert.Contains(existing, line);
        Assert.Contains("--force", line);
        Assert.Equal("precious", File.ReadAllText(existing));
        Assert.False(File.Exists(Path.Combine(output, "scene_b.json")));

        var forced = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageB, "-o", output, "--force");
        Assert.True(forced.ExitCode == 0, forced.Err);
        Assert.Equal(TinyPredictorFiles.Width, ImageIo.Load(existing).Width);
    }

    [Fact]
    public void A_missing_image_fails_naming_it()
    {
        string missing = Path.Combine(files.Folder, "missing.png");
        AssertFailsNaming(missing, "predict", "-w", files.WeightsPath, "-i", missing, "-o", NewOutput());
    }

    [Fact]
    public void A_corrupt_image_in_a_folder_fails_naming_it_before_anything_is_written()
    {
        string images = Path.Combine(files.Folder, "with-corrupt");
        Directory.CreateDirectory(images);
        File.Copy(files.ImageA, Path.Combine(images, "a.png"), overwrite: true);
        string corrupt = Path.Combine(images, "b.png");
        File.WriteAllBytes(corrupt, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6]);
        string output = NewOutput();
        AssertFailsNaming(corrupt, "predict", "-w", files.WeightsPath, "-i", images, "-o", output);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Weights_with_a_wrongly_shaped_tensor_fail_naming_the_file_and_the_key()
    {
        string broken = Path.Combine(files.Folder, "one-wrong-shape.safetensors");
        var state = SafeTensors.Load(files.WeightsPath);
        try
        {
            var old = state["roi_heads.mask_predictor.mask_fcn_logits.weight"];
            state["roi_heads.mask_predictor.mask_fcn_logits.weight"] = torch.zeros(4, old.shape[1], 1, 1);
            old.Dispose();
            SafeTensors.Save(broken, state, SafeTensors.ReadMetadata(files.WeightsPath));
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        string line = AssertFailsNaming(broken, "predict", "-w", broken, "-i", files.ImageA, "-o", NewOutput());
        Assert.Contains("wrong shape (1): roi_heads.mask_predictor.mask_fcn_logits.weight", line);
    }

    [Fact]
    public void A_file_that_is_not_weights_fails_naming_it()
    {
        AssertFailsNaming(files.ImageA, "predict", "-w", files.ImageA, "-i", files.ImageA, "-o", NewOutput());
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--score-threshold", "high")]
    [InlineData("--score-threshold", "1.5")]
    [InlineData("--batch-size", "0")]
    [InlineData("extra-argument")]
    public void Usage_errors_exit_with_2(params string[] extra)
    {
        var (code, stdout, err) = CliRunner.Run(["predict", "-w", files.WeightsPath, "-i", files.ImageA, .. extra]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("maskrcnn: error: ", Assert.Single(CliRunner.Lines(err)));
    }

    [Fact]
    public void Help_lists_the_options_and_explains_the_outputs()
    {
        var (code, stdout, _) = CliRunner.Run("predict", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--weights", "--input", "--num-classes", "--config", "--output", "--score-threshold", "--batch-size", "--force", "--threads" })
            Assert.Contains(option, stdout);
        Assert.Contains("[default: predictions]", stdout);
        Assert.Contains("[default: 0.5]", stdout);
        // Help wraps to the terminal's width.
        Assert.Contains("image_id is the file stem when every stem is a number", string.Join(' ', stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }

    static string AssertFailsNaming(string file, params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        var line = Assert.Single(CliRunner.Lines(err));
        Assert.StartsWith("maskrcnn: error: ", line);
        Assert.Contains(file, line);
        return line;
    }
}
