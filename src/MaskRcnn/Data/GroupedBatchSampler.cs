namespace MaskRcnn.Data;

/// <summary>
/// Forms mini-batches whose samples all share a group (aspect-ratio bin) — torchvision references'
/// <c>GroupedBatchSampler</c>, reproduced including its end-of-epoch rule: the epoch has
/// <c>floor(n / batchSize)</c> batches; when the sampler runs out, partial buffers are completed (largest
/// first) with the first samples that group saw this epoch, so some samples repeat.
/// </summary>
public static class GroupedBatchSampler
{
    /// <param name="order">Sample indices in sampler order.</param>
    /// <param name="groupIds">Group of each sample index.</param>
    /// <param name="batchSize">Samples per batch.</param>
    public static IReadOnlyList<int[]> Batches(IReadOnlyList<int> order, IReadOnlyList<int> groupIds, int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        int expected = order.Count / batchSize;
        var batches = new List<int[]>(expected);
        // Python's dict keeps insertion order and torchvision's assert re-inserts a group right after
        // deleting its emptied buffer; a list of (group, buffer) in that order reproduces the tie-breaking
        // of the final stable sort.
        var buffers = new List<(int Group, List<int> Buffer)>();
        var seen = new Dictionary<int, List<int>>();
        foreach (int idx in order)
        {
            int g = groupIds[idx];
            int at = buffers.FindIndex(b => b.Group == g);
            if (at < 0)
            {
                buffers.Add((g, new List<int>()));
                at = buffers.Count - 1;
            }
            buffers[at].Buffer.Add(idx);
            if (!seen.TryGetValue(g, out var samples)) seen[g] = samples = new List<int>();
            samples.Add(idx);
            if (buffers[at].Buffer.Count == batchSize)
            {
                batches.Add(buffers[at].Buffer.ToArray());
                buffers.RemoveAt(at);
                buffers.Add((g, new List<int>()));
            }
        }

        int remaining = expected - batches.Count;
        foreach (var (g, buffer) in buffers.OrderByDescending(b => b.Buffer.Count)) // OrderBy is stable
        {
            if (remaining <= 0) break;
            int missing = batchSize - buffer.Count;
            buffer.AddRange(seen[g].Take(missing));
            if (buffer.Count != batchSize)
                throw new InvalidOperationException($"group {g} has only {seen[g].Count} samples, fewer than a batch of {batchSize}");
            batches.Add(buffer.ToArray());
            remaining--;
        }
        return batches;
    }

    /// <summary>torchvision's two-bin grouping (<c>create_aspect_ratio_groups</c> with k=0): the bin of
    /// h/w in [1.0] by <c>bisect_right</c>, so group 0 holds landscape images (w &gt; h) and group 1 portrait
    /// and square ones (w ≤ h).</summary>
    public static int AspectRatioGroup(int width, int height) => (double)height / width < 1.0 ? 0 : 1;
}
