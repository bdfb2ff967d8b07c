using MaskRcnn.Structures;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>Where a deterministic data stream stands: its shuffling seed, the epoch and the batch index within it.</summary>
public sealed record DataPosition(long Seed, int Epoch, int BatchIndex);

/// <summary>
/// An endless, deterministic stream of training batches that can be positioned, so a resumed run sees
/// exactly the batches the interrupted one would have seen.
/// </summary>
public interface IBatchSource
{
    /// <summary>The position of the batch <see cref="Next"/> returns.</summary>
    DataPosition Position { get; }

    /// <summary>Moves to a position previously read from <see cref="Position"/>.</summary>
    void Seek(DataPosition position);

    /// <summary>The next batch (wrapping into the next epoch); the caller owns and disposes its tensors.</summary>
    (IReadOnlyList<Tensor> Images, IReadOnlyList<TargetSet> Targets) Next();
}
