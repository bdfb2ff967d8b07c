using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public sealed class BalancedPositiveNegativeSamplerTests : IDisposable
{
    readonly OpsFixture fx = new("sampler_deterministic.safetensors");

    public void Dispose() => fx.Dispose();

    Tensor[] Labels => Enumerable.Range(0, 4).Select(i => fx[$"labels_{i}"]).ToArray();

    [Fact]
    public void DeterministicModeEqualsTorchvisionWithRandpermReplacedByArange()
    {
        var (pos, neg) = new BalancedPositiveNegativeSampler(64, 0.25, deterministic: true).Sample(Labels);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(ScalarType.Byte, pos[i].dtype);
            Assert.Equal(fx[$"pos_{i}"].data<byte>().ToArray(), pos[i].data<byte>().ToArray());
            Assert.Equal(fx[$"neg_{i}"].data<byte>().ToArray(), neg[i].data<byte>().ToArray());
        }
    }

    [Fact]
    public void RandomModeRespectsCountsFractionAndLabels()
    {
        using var gen = new Generator(7);
        var sampler = new BalancedPositiveNegativeSampler(64, 0.25);
        var (pos, neg) = sampler.Sample(Labels, gen);
        for (int i = 0; i < 4; i++)
        {
            var labels = Labels[i].data<long>().ToArray();
            var p = pos[i].data<byte>().ToArray();
            var n = neg[i].data<byte>().ToArray();
            long positives = labels.Count(l => l >= 1), negatives = labels.Count(l => l == 0);
            long wantPos = Math.Min(positives, 16);
            long wantNeg = Math.Min(negatives, 64 - wantPos);
            Assert.Equal(wantPos, p.Count(b => b == 1));
            Assert.Equal(wantNeg, n.Count(b => b == 1));
            for (int k = 0; k < labels.Length; k++)
            {
                if (p[k] == 1) Assert.True(labels[k] >= 1);
                if (n[k] == 1) Assert.Equal(0, labels[k]);
            }
        }
    }

    [Fact]
    public void RandomModeIsReproducibleWithASeededGeneratorAndNotJustTheFirstK()
    {
        var sampler = new BalancedPositiveNegativeSampler(64, 0.25);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        var a = sampler.Sample([Labels[0]], g1);
        var b = sampler.Sample([Labels[0]], g2);
        Assert.Equal(a.Positive[0].data<byte>().ToArray(), b.Positive[0].data<byte>().ToArray());
        Assert.Equal(a.Negative[0].data<byte>().ToArray(), b.Negative[0].data<byte>().ToArray());
        var first = new BalancedPositiveNegativeSampler(64, 0.25, deterministic: true).Sample([Labels[0]]);
        Assert.NotEqual(first.Negative[0].data<byte>().ToArray(), a.Negative[0].data<byte>().ToArray());
    }
}
