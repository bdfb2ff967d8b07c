using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Tests.Inference;

namespace MaskRcnn.Tests.Cli;

/// <summary><c>predict --tile S --tile-overlap O</c>: the CLI runs <see cref="TiledPredictor"/> over the loaded model.</summary>
public sealed class PredictTileCommandTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    string NewOutput() => Path.Combine(files.Folder, "tile-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Tiled_predictions_are_the_library_tilers_results()
    {
        string output = NewOutput();
        var (code, _, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", output,
            "--score-threshold", "0", "--tile", "64", "--tile-overlap", "24");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "scene_a.json")));
        var scores = doc.RootElement.EnumerateArray().Select(r => r.GetProperty("score").GetSingle()).ToArray();

        using var predictor = Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0 });
        var expected = new TiledPredictor(predictor, new TilingOptions { TileSize = 64, Overlap = 24 }).Predict(ImageIo.Load(files.ImageA));
        Assert.Equal(expected.Select(e => e.Score), scores);
        Assert.NotEmpty(scores);
    }

    [Theory]
    [InlineData("--tile", "64", "--tile-overlap", "64")]
    [InlineData("--tile", "0")]
    [InlineData("--tile-overlap", "16")]
    public void Bad_tiling_is_a_one_line_usage_error(params string[] args)
    {
        var (code, stdout, err) = CliRunner.Run(["predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", NewOutput(), .. args]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("tile", Assert.Single(CliRunner.Lines(err)));
    }
}
