using System.Text.RegularExpressions;
using MaskRcnn.Tests.Cli;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Docs;

/// <summary>
/// The README's "Train on your own data" walkthrough, run as written on a tiny subset of the shipped nuclei example
/// (two training folders, one held-out folder) with the run shortened to one iteration: import, train, eval, predict
/// and inspect must work in that order on a fresh clone, and each leaves the file the next one reads.
/// </summary>
[Collection(Training.SerialTorchRandomness.Name)]
public sealed class OwnDataWalkthroughTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    public static IReadOnlyList<string> Commands()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var match = Regex.Match(readme, "<!-- own-data:begin.*?-->(.*?)<!-- own-data:end -->", RegexOptions.Singleline);
        Assert.True(match.Success, "README.md has no own-data walkthrough block");
        // Lines continued with a backslash are one command.
        string block = Regex.Replace(match.Groups[1].Value, @"\\\s*\n\s*", " ");
        return block.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("maskrcnn ", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void The_walkthrough_goes_from_import_to_inspect()
    {
        Assert.Equal(["convert", "train", "eval", "predict", "inspect"], Commands().Select(c => c.Split(' ')[1]).Distinct());
    }

    [Fact]
    public void The_walkthrough_runs_as_written_on_a_tiny_subset()
    {
        // The example's layout under the same relative names: two training images, the smaller held-out one.
        string nuclei = TestPaths.RepoPath("examples", "nuclei");
        foreach (var (split, take, skip) in new[] { ("train", 2, 0), ("test", 1, 1) })
            foreach (var sample in Directory.GetDirectories(Path.Combine(nuclei, split)).Order(StringComparer.Ordinal).Skip(skip).Take(take))
                temp.CopyIn(sample, "examples", "nuclei", split, Path.GetFileName(sample));
        foreach (var line in Commands())
        {
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            for (int i = 1; i < args.Count; i++)
            {
                // Relative paths are the user's working directory: here the temporary folder.
                if (args[i - 1].StartsWith("--", StringComparison.Ordinal) && (args[i].Contains('/') || args[i].EndsWith(".json", StringComparison.Ordinal)))
                    args[i] = temp.File(args[i].Split('/'));
                // The recipe's length and its validations, shortened to one iteration.
                if (args[i - 1] is "--minutes" or "--iterations") (args[i - 1], args[i]) = ("--iterations", "1");
                if (args[i - 1] is "--eval-every") args[i] = "0";
            }
            var (code, _, err) = CliRunner.Run([.. args]);
            Assert.True(code == 0, $"walkthrough command failed ({code}): {line}\n{err}");
        }
        Assert.True(File.Exists(temp.File("nuclei", "test.json")));
        Assert.True(File.Exists(temp.File("runs", "nuclei", "model_final.safetensors")));
        Assert.True(File.Exists(temp.File("runs", "nuclei", "report.html")));
        Assert.True(File.Exists(temp.File("nuclei", "stats.json")));
        Assert.NotEmpty(Directory.EnumerateFiles(temp.File("nuclei", "predictions"), "*.json"));
        Assert.True(File.Exists(temp.File("nuclei", "inspect", "inspect.json")));
    }
}
