using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

/// <summary>One torchvision fixture file of tests/fixtures/ops, loaded once per test class.</summary>
public sealed class OpsFixture(string file) : IDisposable
{
    readonly Dictionary<string, Tensor> tensors = SafeTensors.Load(TestPaths.Fixture("ops", file));

    public Tensor this[string name] => tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"{file} has no tensor '{name}'");

    public long[] Longs(string name) => this[name].data<long>().ToArray();

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Largest |expected - actual| (NaN must sit at the same places); fails on shape mismatch.</summary>
    public static double MaxAbsError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        // An empty tensor has no data pointer to read a NaN mask from.
        if (expected.numel() == 0) return 0;
        using var e = expected.detach().to_type(ScalarType.Float64).cpu();
        using var a = actual.detach().to_type(ScalarType.Float64).cpu();
        using (var en = e.isnan()) using (var an = a.isnan()) Assert.True(en.data<bool>().ToArray().SequenceEqual(an.data<bool>().ToArray()), "NaN positions differ");
        using var diff = (e - a).abs().nan_to_num(0.0);
        return diff.max().item<double>();
    }
}
