namespace MaskRcnn.Data.Masks;

public static partial class MaskApi
{
    /// <summary>
    /// Run-length encodes every instance of a row-major H×W label image (0 = background) in one column-major
    /// pass: the same RLEs as <see cref="Encode(ReadOnlySpan{byte}, int, int)"/> of each <c>labels == value</c> mask, without building H×W
    /// masks per instance (a crowded image has hundreds). Keys are the label values, in ascending order.
    /// </summary>
    public static SortedDictionary<int, Rle> EncodeLabels(ReadOnlySpan<int> labels, int height, int width)
    {
        CheckSize(height, width);
        if (labels.Length != (long)height * width)
            throw new ArgumentException($"label image has {labels.Length} values, expected {height}x{width}", nameof(labels));
        // Per label: its counts so far and the column-major position where its last run of 1s ended.
        var runs = new Dictionary<int, (List<uint> Counts, long End)>();
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                int label = labels[y * width + x];
                if (label == 0) continue;
                long position = (long)x * height + y;
                if (!runs.TryGetValue(label, out var run))
                    run = ([], 0);
                if (run.Counts.Count > 0 && run.End == position)
                    run.Counts[^1]++;
                else
                {
                    run.Counts.Add((uint)(position - run.End));
                    run.Counts.Add(1);
                }
                runs[label] = (run.Counts, position + 1);
            }
        }
        var result = new SortedDictionary<int, Rle>();
        long total = (long)height * width;
        foreach (var (label, (counts, end)) in runs)
        {
            if (end < total) counts.Add((uint)(total - end));
            result[label] = new Rle(height, width, counts.ToArray());
        }
        return result;
    }
}
