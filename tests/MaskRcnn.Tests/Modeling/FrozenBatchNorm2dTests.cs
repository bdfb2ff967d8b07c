using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public sealed class FrozenBatchNorm2dTests
{
    // y = (x − mean) · weight / sqrt(var + eps) + bias with weight 2, bias 1, mean 1, var 4, x = 3.
    [Theory]
    [InlineData(0.0, 3.0)]
    [InlineData(1e-5, 1.0 + 4.0 / 2.0000025)] // sqrt(4 + 1e-5) = 2.0000025
    public void Normalises_with_the_configured_epsilon(double eps, double expected)
    {
        using var bn = new FrozenBatchNorm2d(1, eps);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = tensor(new float[] { 2 }), ["bias"] = tensor(new float[] { 1 }),
            ["running_mean"] = tensor(new float[] { 1 }), ["running_var"] = tensor(new float[] { 4 }),
            ["num_batches_tracked"] = tensor(7L), // a BatchNorm2d checkpoint's counter, ignored
        };
        StateDictLoader.Load(bn, state, "bn");
        using var x = full([1, 1, 2, 2], 3.0f);
        using var y = bn.call(x);
        Assert.All(y.data<float>().ToArray(), v => Assert.Equal(expected, v, 1e-6));
        foreach (var t in state.Values) t.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Folding_into_the_convolution_keeps_the_output_and_makes_the_norm_the_identity(bool convHasBias)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var conv = nn.Conv2d(3, 4, kernel_size: 3, padding: 1, bias: convHasBias);
        using var bn = new FrozenBatchNorm2d(4, 1e-5);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = rand(4) + 0.5f, ["bias"] = randn(4),
            ["running_mean"] = randn(4), ["running_var"] = rand(4) + 0.1f,
        };
        StateDictLoader.Load(bn, state, "bn");
        var x = randn(2, 3, 9, 7);
        // Independent expectation: the unfolded pair, (conv(x) − mean)·weight/√(var+eps) + bias.
        var expected = bn.call(conv.call(x)).clone();

        bn.FoldInto(conv);
        var convOnly = conv.call(x);
        var y = bn.call(convOnly);

        Assert.True(bn.IsFolded);
        Assert.Equal(convOnly.data<float>().ToArray(), y.data<float>().ToArray());
        Assert.NotNull(conv.bias);
        Assert.True(allclose(y, expected, rtol: 1e-5, atol: 1e-5), $"max difference {(y - expected).abs().max().item<float>()}");
        Assert.Throws<InvalidOperationException>(() => bn.FoldInto(conv));
    }
}
