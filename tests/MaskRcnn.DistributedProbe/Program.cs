using MaskRcnn.Data;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Distributed;
using MaskRcnn.Modeling;
using MaskRcnn.Structures;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

// Usage: probe DATA_DIR OUTPUT_DIR PER_RANK_BATCH ITERATIONS [--checkpoint-every C] [--resume] [--fail RANK:ITERATION] [--norm BatchNorm]
// Trains the tiny model below with the library's Trainer over MPI (or alone) and writes each rank's final weights
// to OUTPUT_DIR/weights-rank{R}.safetensors. The samplers take the first examples in index order (as the
// loss-parity tests do), so that one process with a batch of N·B computes exactly what N ranks with B do.
string data = args[0], output = args[1];
int batch = int.Parse(args[2]), iterations = int.Parse(args[3]);
string? Flag(string name) => Array.IndexOf(args, name) is int i and >= 0 ? (i + 1 < args.Length ? args[i + 1] : "") : null;
int checkpointEvery = Flag("--checkpoint-every") is string c ? int.Parse(c) : 0;
var failAt = Flag("--fail")?.Split(':').Select(int.Parse).ToArray();
var norm = Flag("--norm") == "BatchNorm" ? NormKind.BatchNorm : NormKind.FrozenBatchNorm;

torch.set_num_threads(1);
using var communicator = MpiLaunch.Open();
return AbortOnFailure.Run(communicator, () =>
{
    torch.manual_seed(7);
    var config = new MaskRcnnConfig
    {
        NumClasses = 4,
        Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16, TrainableLayers = 5, Norm = norm },
        Transform = new TransformConfig { MinSize = [64], MaxSize = 64 },
        Rpn = new RpnConfig { BatchSizePerImage = 16, PositiveFraction = 0.25 },
        RoiHeads = new RoiHeadsConfig { RepresentationSize = 32, MaskLayers = [16], MaskDimReduced = 16, BatchSizePerImage = 16 },
    };
    DistributedTraining.RequireSynchronisableNorm(config, communicator.Size);
    using var model = new MaskRcnnModel(config);
    model.UseDeterministicSampling();
    var dataset = CocoDataset.Open(Path.Combine(data, "annotations.json"), Path.Combine(data, "images"));
    var loader = new DataLoader(dataset, batch, shuffle: true, seed: 3, new RandomHorizontalFlip(0.5), workers: 0,
        shard: new Shard(communicator.Rank, communicator.Size));
    using var source = new DataLoaderBatchSource(loader);
    IBatchSource batches = failAt is [int rank, int at] && rank == communicator.Rank ? new FailingSource(source, at) : source;
    var options = new TrainerOptions
    {
        Schedule = new LrSchedule(0.02, iterations, WarmupIterations: 0, WarmupFactor: 1, Milestones: [], Gamma: 0.1),
        Run = new RunDirectory(output),
        LogEvery = 1,
        CheckpointEvery = checkpointEvery,
    };
    var detector = new ModuleDetector(model, (images, targets) => model.ComputeLosses(images, targets));
    var result = new Trainer(detector, batches, options) { Communicator = communicator }
        .Run(Flag("--resume") is null ? null : output);
    ModelWeights.Save(model, Path.Combine(output, $"weights-rank{communicator.Rank}.safetensors"));
    Console.WriteLine($"rank {communicator.Rank} of {communicator.Size}: {result.Iterations} iterations in {result.Elapsed.TotalSeconds:F2} s");
    return 0;
});

/// <summary>A rank that fails at a given iteration (1-based), to test how the job ends.</summary>
sealed class FailingSource(IBatchSource inner, int failAt) : IBatchSource
{
    int served;

    public DataPosition Position => inner.Position;

    public void Seek(DataPosition position)
    {
        inner.Seek(position);
        served = position.BatchIndex; // the probe's runs stay within one epoch
    }

    public (IReadOnlyList<Tensor> Images, IReadOnlyList<TargetSet> Targets) Next()
    {
        if (++served == failAt) throw new IOException($"injected failure while loading batch {failAt}");
        return inner.Next();
    }
}
