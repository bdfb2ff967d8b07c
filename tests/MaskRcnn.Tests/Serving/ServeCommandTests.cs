using MaskRcnn.Tests.Cli;
using MaskRcnn.Tests.Inference;

namespace MaskRcnn.Tests.Serving;

/// <summary><c>maskrcnn serve</c>'s refusals: one line, exit 2 for usage and 1 for a model that does not load, no server started.</summary>
public sealed class ServeCommandTests : IDisposable
{
    readonly TinyPredictorFiles files = new();

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData("--max-concurrency", "0", "--max-concurrency")]
    [InlineData("--queue", "-1", "--queue")]
    [InlineData("--max-upload-mb", "0", "--max-upload-mb")]
    [InlineData("--score-threshold", "1.5", "--score-threshold")]
    [InlineData("--port", "70000", "--port")]
    [InlineData("--device", "cuda", "cuda")]
    public void A_bad_option_is_a_usage_error_naming_it(string option, string value, string named)
    {
        var (code, _, err) = CliRunner.Run("serve", "--weights", files.WeightsPath, option, value);
        Assert.Equal(2, code);
        Assert.Single(CliRunner.Lines(err));
        Assert.Contains(named, err);
    }

    [Fact]
    public void Weights_that_are_not_there_stop_it_before_listening()
    {
        var (code, @out, err) = CliRunner.Run("serve", "--weights", Path.Combine(files.Folder, "missing.safetensors"), "--port", "0");
        Assert.Equal(1, code);
        Assert.Contains("missing.safetensors", err);
        Assert.DoesNotContain("listening", @out);
    }
}
