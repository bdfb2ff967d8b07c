namespace MaskRcnn.Data;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by this code alone, so generated data sets,
/// shuffles and random augmentations are reproducible across runtimes, machines and thread timings —
/// unlike <see cref="Random.Shared"/> or <see cref="Random"/>, whose algorithm is not a documented contract.
/// </summary>
public sealed class DeterministicRandom
{
    ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>A generator for one item of a larger seeded process (e.g. sample <c>index</c> of epoch
    /// <c>epoch</c>): the keys are mixed so that neighbouring keys give unrelated streams.</summary>
    public static DeterministicRandom ForKey(long seed, params long[] keys)
    {
        ulong s = Mix((ulong)seed);
        foreach (var k in keys) s = Mix(s ^ Mix((ulong)k + 0x632BE59BD9B4E019UL));
        return new DeterministicRandom(s);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max) (Lemire's multiply-shift; the tiny bias is irrelevant here).</summary>
    public int NextInt(int min, int max)
    {
        if (max <= min) throw new ArgumentOutOfRangeException(nameof(max), $"empty range [{min}, {max})");
        ulong range = (ulong)((long)max - min);
        return (int)(min + (long)(((UInt128)NextUInt64() * range) >> 64));
    }

    /// <summary>A Fisher–Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(0, i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
