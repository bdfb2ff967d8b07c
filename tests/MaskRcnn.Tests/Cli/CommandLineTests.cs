using System.CommandLine;
using System.Text.RegularExpressions;
using MaskRcnn.Cli;

namespace MaskRcnn.Tests.Cli;

public class CommandLineTests
{
    public static TheoryData<string> SubCommands => new() { "demo", "predict", "train", "eval", "inspect", "info", "benchmark" };

    [Theory]
    [MemberData(nameof(SubCommands))]
    public void HelpListsEveryOptionWithItsDefault(string name)
    {
        var (code, output, err) = CliRunner.Run(name, "--help");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        var command = Program.BuildRootCommand(new CliContext(TextWriter.Null, TextWriter.Null, false)).Subcommands.Single(c => c.Name == name);
        var lines = CliRunner.Lines(output);
        foreach (var option in command.Options)
        {
            var line = lines.SingleOrDefault(l => Regex.IsMatch(l, $@"(^|[\s,]){Regex.Escape(option.Name)}([\s,<]|$)"));
            Assert.True(line is not null, $"{name} --help does not list {option.Name}:\n{output}");
            if (option.HasDefaultValue && option.ValueType != typeof(bool))
                Assert.Contains("[default: ", line);
        }
    }

    [Fact]
    public void HelpShowsConcreteDefaults()
    {
        var train = CliRunner.Run("train", "--help").Out;
        Assert.Matches(@"--batch-size <batch-size>\s+Images per iteration \[default: 2\]", train);
        Assert.Matches(@"--output <output>\s+Folder for the results \[default: runs/train\]", train);
        var predict = CliRunner.Run("predict", "--help").Out;
        Assert.Contains("[default: 0.5]", predict);
        Assert.Contains("[default: predictions]", predict);
    }

    [Fact]
    public void RootHelpListsTheSubCommands()
    {
        var (code, output, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        foreach (var name in SubCommands) Assert.Matches($@"(?m)^\s+{name}\b", output);
    }

    [Theory]
    [InlineData("train", "--bogus", "1")]
    [InlineData("--no-such-option")]
    [InlineData("frobnicate")]
    [InlineData("predict", "-i", "a.png", "-w", "m.safetensors", "--score-threshold", "high")]
    [InlineData("eval", "--gt", "g.json", "--results", "r.json", "--iou-type", "keypoints")]
    [InlineData("train", "--train-annotations", "a.json", "--precision", "fp16")]
    [InlineData("demo", "--precision", "bf8")]
    [InlineData("demo", "--iterations", "0")]
    public void UsageErrorsExitWith2AndOneLine(params string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(CliRunner.Lines(err));
        Assert.StartsWith("maskrcnn: error: ", line);
    }

    [Fact]
    public void UnknownOptionIsNamedInTheError()
    {
        var (_, _, err) = CliRunner.Run("train", "--bogus");
        Assert.Contains("'--bogus'", err);
        Assert.Contains("maskrcnn train --help", err);
    }

    [Fact]
    public void MissingRequiredOptionIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("eval", "--images", "x");
        Assert.Equal(2, code);
        Assert.Contains("--weights", err);
    }

    [Fact]
    public void NoCommandIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run();
        Assert.Equal(2, code);
        Assert.Equal("maskrcnn: error: no command given (see 'maskrcnn --help')", err.Trim());
    }

    [Fact]
    public void VersionPrintsTheLibraryVersion()
    {
        var (code, output, _) = CliRunner.Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
        Assert.Equal(Program.Version, output.Trim());
    }

    [Theory]
    [InlineData("train", "--train-images", "/no/such/images", "--train-annotations", "/no/such/annotations.json")]
    [InlineData("eval", "-w", "/no/such/model.safetensors", "--images", "/no/such/images", "--annotations", "/no/such/a.json")]
    [InlineData("predict", "-i", "/no/such/image.png", "-w", "/no/such/model.safetensors")]
    [InlineData("inspect", "-i", "/no/such/image.png", "-w", "/no/such/model.safetensors")]
    public void MissingInputFilesFailWith1AndNameThem(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(1, code);
        var line = Assert.Single(CliRunner.Lines(err));
        Assert.StartsWith("maskrcnn: error: ", line);
        Assert.Contains("/no/such/", line);
    }

    [Theory]
    [InlineData("train", "--train-images", "i", "--train-annotations", "a.json")]
    [InlineData("demo")]
    [InlineData("benchmark", "-w", "m.safetensors", "-i", "a.png")]
    [InlineData("predict", "-w", "m.safetensors", "-i", "a.png")]
    [InlineData("eval", "--gt", "g.json", "--results", "r.json")]
    [InlineData("inspect", "-w", "m.safetensors", "-i", "a.png")]
    public void EveryCommandRejectsANegativeThreadCountTheSameWay(params string[] args)
    {
        var (code, _, err) = CliRunner.Run([.. args, "--threads", "-1"]);
        Assert.Equal(2, code);
        Assert.Contains("--threads must be 0 or more, got -1", Assert.Single(CliRunner.Lines(err)));
    }

    [Fact]
    public void ValidationNeedsImagesAndAnnotationsTogether()
    {
        var (code, _, err) = CliRunner.Run("train", "--train-images", "i", "--train-annotations", "a.json", "--val-images", "v");
        Assert.Equal(2, code);
        Assert.Contains("--val-images needs --val-annotations", err);
    }

    [Fact]
    public void StackTraceOnlyWithVerbose()
    {
        var quiet = CliRunner.Run("info", "--weights", "/no/such/file.safetensors", "--tensors");
        Assert.Equal(1, quiet.ExitCode);
        Assert.Equal("maskrcnn: error: /no/such/file.safetensors: weights file not found", quiet.Err.Trim());

        var verbose = CliRunner.Run("info", "--weights", "/no/such/file.safetensors", "--tensors", "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.True(CliRunner.Lines(verbose.Err).Length > 2);
        Assert.Contains(" at ", verbose.Err);
    }

    [Fact]
    public void InfoReportsTheBackend()
    {
        var (code, output, _) = CliRunner.Run("info");
        Assert.Equal(0, code);
        Assert.Matches(@"TorchSharp\s+0\.107\.", output);
        Assert.Matches(@"CUDA\s+(not )?available", output);
    }
}
