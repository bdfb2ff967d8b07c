using MaskRcnn.Modeling;

namespace MaskRcnn.Data.Images;

/// <summary>Applies an <see cref="IntensityMapping"/> to 16-bit samples (all channels of an image share one low/high).</summary>
internal static class IntensityScaling
{
    public static byte[] ToBytes(ushort[] samples, IntensityMapping mapping)
    {
        var (low, high) = Range(samples, mapping);
        var result = new byte[samples.Length];
        if (!(high > low)) return result;
        double span = high - low;
        // One byte per distinct 16-bit value: the formula is evaluated 65536 times at most, not per pixel.
        var table = new byte[65536];
        for (int v = 0; v < table.Length; v++)
            table[v] = (byte)Math.Floor(Math.Clamp((v - low) / span, 0.0, 1.0) * 255.0 + 0.5);
        for (int i = 0; i < samples.Length; i++)
            result[i] = table[samples[i]];
        return result;
    }

    public static (double Low, double High) Range(ushort[] samples, IntensityMapping mapping)
    {
        if (mapping.Method == IntensityMappingMethod.Fixed) return (0, mapping.FixedMaximum);
        if (samples.Length == 0) return (0, 0);
        var histogram = new long[65536];
        foreach (ushort v in samples) histogram[v]++;
        return mapping.Method == IntensityMappingMethod.MinMax
            ? (Percentile(histogram, samples.Length, 0), Percentile(histogram, samples.Length, 100))
            : (Percentile(histogram, samples.Length, mapping.LowPercentile), Percentile(histogram, samples.Length, mapping.HighPercentile));
    }

    /// <summary>
    /// numpy's <c>percentile(x, q)</c> with its default 'linear' method, evaluated the way numpy 1.24 does
    /// (virtual index <c>n·q + (1 - q) - 1</c>, and <c>_lerp</c>'s two-sided form), so results match to the bit.
    /// </summary>
    static double Percentile(long[] histogram, long n, double percent)
    {
        double q = percent / 100.0;
        double virtualIndex = n * q + (1.0 + q * (1.0 - 1.0 - 1.0)) - 1.0;
        double previous = Math.Floor(virtualIndex);
        double gamma = virtualIndex - previous;
        long below = (long)Math.Clamp(previous, 0, n - 1), above = (long)Math.Clamp(previous + 1, 0, n - 1);
        double a = OrderStatistic(histogram, below), b = OrderStatistic(histogram, above);
        double diff = b - a;
        return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }

    // The k-th smallest sample (0-based) read off the histogram.
    static double OrderStatistic(long[] histogram, long k)
    {
        long seen = 0;
        for (int v = 0; v < histogram.Length; v++)
        {
            seen += histogram[v];
            if (seen > k) return v;
        }
        return histogram.Length - 1;
    }
}
