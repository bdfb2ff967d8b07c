using MaskRcnn.Structures;
using MaskRcnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Training;

/// <summary>
/// A two-layer network with dropout posing as a detector: two loss terms, randomness in training (so a
/// resume must restore the generator), and a term that can be made to diverge.
/// </summary>
sealed class TinyDetector
{
    public nn.Module<Tensor, Tensor> Net { get; }
    public ModuleDetector Detector { get; }
    public int Calls { get; private set; }
    public int? NanAtCall { get; init; }
    public (int FromCall, TimeSpan Delay)? SlowDown { get; init; }

    public TinyDetector(long seed)
    {
        torch.manual_seed(seed);
        Net = nn.Sequential(("fc1", nn.Linear(4, 8)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.3)), ("fc2", nn.Linear(8, 2)));
        Detector = new ModuleDetector(Net, Losses);
    }

    Dictionary<string, Tensor> Losses(IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets)
    {
        Calls++;
        if (SlowDown is { } slow && Calls >= slow.FromCall) Thread.Sleep(slow.Delay);
        var x = torch.stack(images);
        var y = torch.stack(targets.Select(t => t.Boxes[0, ..2]).ToList());
        var output = Net.forward(x);
        var regression = nn.functional.mse_loss(output, y);
        if (NanAtCall == Calls) regression = regression * float.NaN;
        return new() { ["loss_box_reg"] = regression, ["loss_small"] = output.abs().mean() * 0.1 };
    }
}

/// <summary>Batches generated from (seed, epoch, index): any position can be reproduced.</summary>
sealed class SyntheticBatches(long seed, int batchesPerEpoch = 3, int batchSize = 2) : IBatchSource
{
    int epoch, index;

    public DataPosition Position => new(seed, epoch, index);

    public void Seek(DataPosition position)
    {
        Assert.Equal(seed, position.Seed);
        (epoch, index) = (position.Epoch, position.BatchIndex);
    }

    public (IReadOnlyList<Tensor> Images, IReadOnlyList<TargetSet> Targets) Next()
    {
        using var generator = new torch.Generator((ulong)(seed * 1000 + epoch * 100 + index));
        var images = new List<Tensor>();
        var targets = new List<TargetSet>();
        for (int i = 0; i < batchSize; i++)
        {
            images.Add(torch.rand(new long[] { 4 }, generator: generator));
            targets.Add(new TargetSet(torch.rand(new long[] { 1, 4 }, generator: generator), torch.ones(1, ScalarType.Int64), torch.zeros(new long[] { 1, 2, 2 }, ScalarType.Byte)));
        }
        if (++index == batchesPerEpoch) (epoch, index) = (epoch + 1, 0);
        return (images, targets);
    }
}

/// <summary>Reports synchronously (System.Progress posts to a thread pool).</summary>
sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
