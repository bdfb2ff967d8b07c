using MaskRcnn.Data;
using MaskRcnn.Structures;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// A <see cref="DataLoader"/> as the trainer's endless, positionable batch stream. The loader's batches
/// depend only on its seed, the epoch and the batch index, so seeking replays them exactly; a seek into
/// the middle of an epoch loads and discards the batches before the position (the loader has no random access).
/// </summary>
public sealed class DataLoaderBatchSource(DataLoader loader) : IBatchSource, IDisposable
{
    /// <summary>The model's device: batches are moved there (the loader builds them on the CPU); null leaves them on the CPU.</summary>
    public Device? Device { get; init; }

    IEnumerator<TrainingBatch>? batches;
    int epoch, index, skip, epochLength;

    public DataPosition Position => new(loader.Seed, epoch, index);

    public void Seek(DataPosition position)
    {
        if (position.Seed != loader.Seed)
            throw new ArgumentException($"the checkpoint's data seed is {position.Seed} but the loader's is {loader.Seed}; resume with the same --seed");
        batches?.Dispose();
        batches = null;
        (epoch, index, skip) = (position.Epoch, position.BatchIndex, position.BatchIndex);
    }

    public (IReadOnlyList<Tensor> Images, IReadOnlyList<TargetSet> Targets) Next()
    {
        if (batches is null)
        {
            batches = loader.Epoch(epoch).GetEnumerator();
            // Grouped batching can make an epoch shorter than BatchesPerEpoch, so its length comes from its batch list.
            epochLength = loader.BatchIndices(epoch).Count;
            for (; skip > 0; skip--)
            {
                if (!batches.MoveNext()) throw new InvalidOperationException($"epoch {epoch} has no batch {index}");
                batches.Current.Dispose();
            }
        }
        if (!batches.MoveNext()) throw new InvalidOperationException($"epoch {epoch} has no batch {index}");
        var batch = batches.Current;
        if (++index == epochLength)
        {
            batches.Dispose();
            batches = null;
            (epoch, index) = (epoch + 1, 0);
        }
        if (Device is null || Device.type == TorchSharp.DeviceType.CPU) return (batch.Images, batch.Targets);
        using (batch)
            return (batch.Images.Select(i => i.to(Device)).ToList(),
                batch.Targets.Select(t => new TargetSet(t.Boxes.to(Device), t.Labels.to(Device), t.Masks.to(Device))).ToList());
    }

    public void Dispose() => batches?.Dispose();
}
