namespace MaskRcnn.Data;

/// <summary>
/// Part <see cref="Index"/> of <see cref="Count"/> equal parts of a workload: a training rank's share of each global
/// batch, or a prediction task's share of the inputs. Written <c>K/N</c> with 0 ≤ K &lt; N.
/// </summary>
public sealed record Shard
{
    public Shard(int index, int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), index, $"must be in 0..{count - 1}");
        (Index, Count) = (index, count);
    }

    public int Index { get; }

    public int Count { get; }

    /// <summary>The whole workload.</summary>
    public static Shard Whole { get; } = new(0, 1);

    /// <summary>Parses <c>K/N</c>.</summary>
    /// <exception cref="FormatException">Not two integers with 0 ≤ K &lt; N.</exception>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int k) && int.TryParse(parts[1], out int n) && n > 0 && k >= 0 && k < n)
            return new Shard(k, n);
        throw new FormatException($"'{text}' is not a shard K/N with 0 <= K < N (e.g. 0/4)");
    }

    /// <summary>
    /// This shard's contiguous part of a global batch of <c>Count × perShard</c> items: items
    /// [Index·perShard, (Index+1)·perShard). Contiguous so that N ranks × B images see exactly the images one process
    /// with a batch of N·B sees, in the same positions.
    /// </summary>
    public T[] SliceOf<T>(IReadOnlyList<T> globalBatch)
    {
        if (globalBatch.Count % Count != 0)
            throw new ArgumentException($"a batch of {globalBatch.Count} does not split into {Count} equal parts", nameof(globalBatch));
        int per = globalBatch.Count / Count;
        return globalBatch.Skip(Index * per).Take(per).ToArray();
    }

    /// <summary>
    /// Whether item <paramref name="i"/> of a sorted list belongs to this shard: round-robin (i mod N), so the shards
    /// differ in size by at most one and a list that grows at its end keeps the earlier assignments.
    /// </summary>
    public bool Owns(int i) => i % Count == Index;

    public override string ToString() => $"{Index}/{Count}";
}
