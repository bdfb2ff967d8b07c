using MaskRcnn.Data.Transforms;

namespace MaskRcnn.Data;

/// <summary>
/// Mini-batches of a <see cref="CocoDataset"/> for training, loaded ahead on worker threads.
/// <para>Determinism: an epoch's batches (which samples, in which order) come from the seed and the epoch
/// number alone, and each sample's transform gets its own random stream keyed by (seed, epoch, batch,
/// position), so the batches and their content are identical whatever the number of workers or their timing.
/// Batches are handed out in order.</para>
/// <para>Like torchvision's training references, every batch is full: without grouping the last partial batch
/// is dropped (<c>BatchSampler(drop_last=True)</c>); with grouping torchvision's <c>GroupedBatchSampler</c>
/// rule applies (see <see cref="GroupedBatchSampler"/>).</para>
/// <para>Memory: each <see cref="TrainingBatch"/> owns its tensors and must be disposed by the consumer.
/// At most <c>prefetch</c> batches are loaded ahead; abandoning an enumeration stops the workers and frees
/// the batches it had loaded but not handed out.</para>
/// </summary>
public sealed class DataLoader
{
    readonly CocoDataset _dataset;
    readonly ITransform? _transform;
    readonly int[] _groupIds;

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public int Seed { get; }
    public int Workers { get; }
    public int Prefetch { get; }
    public bool GroupByAspectRatio { get; }

    /// <summary>Which part of each global batch this loader yields (data-parallel training); <see cref="Shard.Whole"/> alone.</summary>
    public Shard Shard { get; }

    /// <summary>Samples per step over all shards: <see cref="BatchSize"/> × the shard count.</summary>
    public int GlobalBatchSize => BatchSize * Shard.Count;

    /// <summary><c>workers</c> loader threads (0 loads on the consumer's thread) keep up to <c>prefetch</c>
    /// batches ready; <c>groupByAspectRatio</c> selects torchvision's two-bin grouped batching. With a
    /// <paramref name="shard"/> K/N, <paramref name="batchSize"/> is the per-shard batch: the epoch's order and its global
    /// batches of N × batchSize are formed exactly as one loader with that batch would, and this loader yields part K of
    /// each (same seed on every rank, so the parts are disjoint).</summary>
    public DataLoader(CocoDataset ds, int batchSize, bool shuffle, int seed, ITransform? transform,
        int workers = 2, int prefetch = 4, bool groupByAspectRatio = true, Shard? shard = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        if (workers < 0) throw new ArgumentOutOfRangeException(nameof(workers), workers, "must be 0 or more");
        if (prefetch <= 0) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, "must be positive");
        Shard = shard ?? Shard.Whole;
        if (ds.Count < batchSize * Shard.Count)
            throw new ArgumentException($"the dataset has {ds.Count} images, fewer than one batch of {batchSize * Shard.Count}", nameof(ds));
        _dataset = ds;
        _transform = transform;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Workers = workers;
        Prefetch = prefetch;
        GroupByAspectRatio = groupByAspectRatio;
        _groupIds = Enumerable.Range(0, ds.Count)
            .Select(i => GroupedBatchSampler.AspectRatioGroup(ds.ImageInfo(i).Width, ds.ImageInfo(i).Height))
            .ToArray();
    }

    public int BatchesPerEpoch => _dataset.Count / GlobalBatchSize;

    /// <summary>The dataset indices of each batch of an epoch, in order (what <see cref="Epoch"/> loads).</summary>
    public IReadOnlyList<int[]> BatchIndices(int epoch)
    {
        int n = _dataset.Count;
        int[] order = Shuffle
            ? DeterministicRandom.ForKey(Seed, StreamShuffle, epoch).Permutation(n)
            : Enumerable.Range(0, n).ToArray();
        int global = GlobalBatchSize;
        var batches = GroupByAspectRatio
            ? GroupedBatchSampler.Batches(order, _groupIds, global)
            : Enumerable.Range(0, n / global).Select(b => order.AsSpan(b * global, global).ToArray()).ToArray();
        return Shard.Count == 1 ? batches : batches.Select(Shard.SliceOf).ToArray();
    }

    /// <summary>One pass over the data; the caller disposes each batch.</summary>
    public IEnumerable<TrainingBatch> Epoch(int epoch)
    {
        var batches = BatchIndices(epoch);
        if (Workers == 0)
        {
            for (int b = 0; b < batches.Count; b++) yield return LoadBatch(epoch, b, batches[b]);
            yield break;
        }
        using var pipeline = new PrefetchPipeline<TrainingBatch>(batches.Count, Workers, Prefetch,
            b => LoadBatch(epoch, b, batches[b]));
        for (int b = 0; b < batches.Count; b++) yield return pipeline.Take(b);
    }

    /// <summary>Epochs <paramref name="firstEpoch"/>, +1, … without end.</summary>
    public IEnumerable<TrainingBatch> Infinite(int firstEpoch = 0)
    {
        for (int epoch = firstEpoch; ; epoch++)
            foreach (var batch in Epoch(epoch)) yield return batch;
    }

    const long StreamShuffle = 1, StreamTransform = 2;

    TrainingBatch LoadBatch(int epoch, int batch, int[] indices)
    {
        var items = new List<DatasetItem>(indices.Length);
        try
        {
            for (int pos = 0; pos < indices.Length; pos++)
            {
                var item = _dataset.Load(indices[pos]);
                if (_transform is not null)
                    // Keyed by the position in the global batch, so a sample is augmented alike however many shards load it.
                    item = _transform.Apply(item, DeterministicRandom.ForKey(Seed, StreamTransform, epoch, batch, Shard.Index * BatchSize + pos));
                items.Add(item);
            }
        }
        catch
        {
            foreach (var item in items) item.Dispose();
            throw;
        }
        return new TrainingBatch(
            items.Select(i => i.Image).ToArray(),
            items.Select(i => i.Target).ToArray(),
            items.Select(i => i.ImageId).ToArray());
    }
}
