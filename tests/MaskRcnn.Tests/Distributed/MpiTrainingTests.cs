using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Distributed;

/// <summary>
/// Data-parallel training over real MPI: <c>mpirun -np 2</c> runs of tests/MaskRcnn.DistributedProbe (the library's
/// Trainer on a tiny FrozenBatchNorm Mask R-CNN, one thread per rank) against single-process runs of the same program.
/// </summary>
public sealed class MpiTrainingTests : IDisposable
{
    readonly TempDirectory temp = new();
    readonly string data;

    public MpiTrainingTests()
    {
        data = temp.File("data");
        ShapesDataset.Generate(data, count: 8, seed: 5, imageSize: 64);
    }

    public void Dispose() => temp.Dispose();

    string Train(int processes, int perRankBatch, int iterations, params string[] extra)
    {
        string output = temp.File($"run-{processes}x{perRankBatch}-{iterations}-{Guid.NewGuid():N}");
        var (code, _, err) = MpiJob.Run(processes, MpiJob.ProbeDll, [data, output, perRankBatch.ToString(), iterations.ToString(), .. extra]);
        Assert.True(code == 0, $"probe failed ({code}): {err}");
        return output;
    }

    static Dictionary<string, Tensor> Weights(string run, int rank = 0) =>
        SafeTensors.Load(Path.Combine(run, $"weights-rank{rank}.safetensors"));

    /// <summary>max |a − b| over max |b|, over all tensors.</summary>
    static double RelativeDifference(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        double diff = 0, scale = 0;
        foreach (var (name, expected) in b)
        {
            if (!expected.is_floating_point()) continue;
            diff = Math.Max(diff, (a[name] - expected).abs().max().item<float>());
            scale = Math.Max(scale, expected.abs().max().item<float>());
        }
        return diff / scale;
    }

    [MpiFact]
    public void One_step_of_two_ranks_with_one_image_each_equals_one_process_with_both_images()
    {
        using var scope = torch.NewDisposeScope();
        var single = Weights(Train(0, perRankBatch: 2, iterations: 1));
        var firstImageOnly = Weights(Train(0, perRankBatch: 1, iterations: 1));
        string parallel = Train(2, perRankBatch: 1, iterations: 1);

        double error = RelativeDifference(Weights(parallel), single);
        Assert.True(error < 1e-5, $"2 ranks × 1 image differ from 1 process × 2 images by {error:G3} (relative)");
        // The test can tell: training on the first image alone lands measurably elsewhere.
        double halfData = RelativeDifference(firstImageOnly, single);
        Assert.True(halfData > 100 * error && halfData > 1e-4, $"one image alone differs by only {halfData:G3}");
        Assert.Equal(0, RelativeDifference(Weights(parallel, rank: 1), Weights(parallel)));
    }

    [MpiFact]
    public void After_twenty_steps_every_rank_holds_bit_identical_weights()
    {
        using var scope = torch.NewDisposeScope();
        string run = Train(2, perRankBatch: 1, iterations: 20);
        var rank0 = Weights(run);
        var rank1 = Weights(run, rank: 1);
        foreach (var (name, t) in rank0)
            Assert.True(t.equal(rank1[name]).all().item<bool>(), $"{name} differs between the ranks");
        // Rank 0 alone wrote one metrics line per step; the losses are the ranks' means.
        Assert.Equal(20, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
    }

    [MpiFact]
    public void A_rank_that_fails_aborts_the_job_and_a_resume_from_the_last_checkpoint_continues_bit_for_bit()
    {
        using var scope = torch.NewDisposeScope();
        string uninterrupted = Train(2, perRankBatch: 1, iterations: 6);

        string output = temp.File("interrupted");
        string[] args = [data, output, "1", "6", "--checkpoint-every", "3"];
        var (code, _, err) = MpiJob.Run(2, MpiJob.ProbeDll, [.. args, "--fail", "1:5"]);
        Assert.NotEqual(0, code);
        Assert.Contains("rank 1 of 2: injected failure while loading batch 5", err);
        Assert.Equal("checkpoint-0000003", File.ReadAllText(Path.Combine(output, "latest")).Trim());
        Assert.False(File.Exists(Path.Combine(output, "weights-rank0.safetensors")));

        // Another process count cannot resume it: the shards and random streams depend on it.
        var (wrongCode, _, wrongErr) = MpiJob.Run(0, MpiJob.ProbeDll, [.. args, "--resume"]);
        Assert.NotEqual(0, wrongCode);
        Assert.Contains("written by a run of 2 processes, resumed with 1", wrongErr);

        var (resumed, _, resumeErr) = MpiJob.Run(2, MpiJob.ProbeDll, [.. args, "--resume"]);
        Assert.True(resumed == 0, resumeErr);
        var expected = Weights(uninterrupted);
        foreach (var rank in new[] { 0, 1 })
            foreach (var (name, t) in Weights(output, rank))
                Assert.True(t.equal(expected[name]).all().item<bool>(), $"{name} on rank {rank} differs from the uninterrupted run");
    }

    [MpiFact]
    public void Maskrcnn_train_under_mpirun_trains_one_model_with_rank_0_writing_the_run_folder()
    {
        string config = temp.File("tiny.json"), output = temp.File("cli-run");
        var tiny = new MaskRcnn.Modeling.MaskRcnnConfig
        {
            Backbone = new() { Depth = 18, Width = 8, FpnOutChannels = 16 },
            Transform = new() { MinSize = [64], MaxSize = 64 },
            RoiHeads = new() { RepresentationSize = 32, MaskLayers = [16], MaskDimReduced = 16 },
        };
        File.WriteAllText(config, tiny.ToJson());
        string[] train = ["train", "--train-images", Path.Combine(data, "images"), "--train-annotations", Path.Combine(data, "annotations.json"),
            "--config", config, "--batch-size", "1", "--iterations", "2", "--threads", "1", "--workers", "0", "--log-every", "1", "-o", output];

        var (code, stdout, err) = MpiJob.Run(2, MpiJob.CliDll, train);

        Assert.True(code == 0, err);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length);
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("weights: "));
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "checkpoint-0000002", "checkpoint.json")))!;
        Assert.Equal(2, (int)state["world_size"]!);
        // The linear scaling rule saw the global batch of 2: 0.02 × 2 / 16.
        Assert.Equal(0.0025, (double)state["schedule"]!["base_lr"]!, 12);

        File.WriteAllText(config, (tiny with { Backbone = tiny.Backbone with { Norm = MaskRcnn.Modeling.NormKind.BatchNorm, TrainableLayers = 5 } }).ToJson());
        var (bnCode, _, bnErr) = MpiJob.Run(2, MpiJob.CliDll, [.. train.Select(a => a == output ? temp.File("bn-run") : a)]);
        Assert.NotEqual(0, bnCode);
        Assert.Contains("rank 0 of 2: a 2-process run cannot train BatchNorm", bnErr);
    }
}
