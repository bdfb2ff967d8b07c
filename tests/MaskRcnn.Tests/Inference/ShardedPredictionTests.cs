using System.Diagnostics;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Tests.Distributed;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Inference;

/// <summary>
/// <c>predict --shard K/N</c> and <c>merge</c> as a scheduler runs them: separate processes of the built CLI over one
/// output folder, one of them killed (SIGKILL) mid-run and started again.
/// </summary>
public sealed class ShardedPredictionTests : IDisposable
{
    readonly TinyPredictorFiles files = new();
    readonly TempDirectory temp = new();
    readonly string images;

    public ShardedPredictionTests()
    {
        images = temp.File("images");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 30; i++) ImageIo.SavePng(TinyPredictorFiles.Scene(seed: 100 + i), Path.Combine(images, $"img_{i:D2}.png"));
    }

    public void Dispose()
    {
        files.Dispose();
        temp.Dispose();
    }

    Process Start(string output, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[MpiJob.CliDll, "predict", "-w", files.WeightsPath, "-i", images, "-o", output, "--threads", "1", .. extra])
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    static (int Code, string Out, string Err) Finish(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "predict did not finish in 3 minutes");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    static int Written(string stdout) => stdout.Split('\n').Count(l => l.Contains(" instance(s) -> "));

    [Fact]
    public void Three_shards_with_one_killed_and_restarted_give_exactly_the_single_process_results()
    {
        string single = temp.File("single"), sharded = temp.File("sharded");
        var (code, _, err) = Finish(Start(single));
        Assert.True(code == 0, err);

        // Shard 1 is killed as soon as its first image is complete, while shards 0 and 2 run beside it.
        using var victim = Start(sharded, "--shard", "1/3");
        var others = new[] { Start(sharded, "--shard", "0/3"), Start(sharded, "--shard", "2/3") };
        var mine = Enumerable.Range(0, 30).Where(i => i % 3 == 1).Select(i => Path.Combine(sharded, $"img_{i:D2}.json")).ToList();
        var clock = Stopwatch.StartNew();
        while (!mine.Any(File.Exists) && !victim.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(5);
        victim.Kill();
        victim.WaitForExit();
        int doneAtKill = mine.Count(File.Exists);
        Assert.InRange(doneAtKill, 1, 9);
        foreach (var p in others)
        {
            var (c, o, e) = Finish(p);
            Assert.True(c == 0, e);
            Assert.Equal(10, Written(o));
        }

        var (restartCode, restartOut, restartErr) = Finish(Start(sharded, "--shard", "auto/3", "--batch-size", "2"));
        Assert.True(restartCode != 0, "auto/N without a scheduler's index must fail");
        Assert.Contains("neither SLURM_ARRAY_TASK_ID", restartErr);
        var restart = Start(sharded, "--shard", "1/3");
        (restartCode, restartOut, restartErr) = Finish(restart);
        Assert.True(restartCode == 0, restartErr);
        int redone = Written(restartOut);
        Assert.Contains($"shard 1/3: 10 images, {10 - redone} already done", restartErr);
        Assert.True(10 - redone >= doneAtKill, "the restart predicted an image that was already done");

        // Every image once, byte for byte what the single process wrote.
        var expected = Directory.GetFiles(single, "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(30, expected.Count);
        Assert.Equal(expected, Directory.GetFiles(sharded, "*.json").Select(Path.GetFileName).Order());
        foreach (var name in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(single, name!)), File.ReadAllBytes(Path.Combine(sharded, name!)));

        var all = ImageInput.Resolve(images);
        var a = ResultsMerge.Merge(single, all, temp.File("single.json"));
        var b = ResultsMerge.Merge(sharded, all, temp.File("sharded.json"));
        Assert.Equal(30, b.Images);
        Assert.Equal(a.Detections, b.Detections);
        Assert.Equal(File.ReadAllBytes(a.OutputPath), File.ReadAllBytes(b.OutputPath));
    }
}
