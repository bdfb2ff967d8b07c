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
}
