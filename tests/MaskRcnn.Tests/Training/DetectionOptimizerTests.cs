using MaskRcnn.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Training;

public class DetectionOptimizerTests
{
    static (string, Parameter) Param(string name, float[] values, long[] shape, bool requiresGrad = true) =>
        (name, new Parameter(torch.tensor(values, shape), requiresGrad));

    // loss = sum(c_w * w) + c_b * b, so the raw gradients are the constants.
    static Tensor Loss(Parameter w, Parameter b) =>
        (w * torch.tensor(new[] { 0.5f, 3f }, new long[] { 1, 2 })).sum() + b.sum() * 0.5f;

    [Fact]
    public void TwoStepsMatchHandComputedMomentumAndDecay()
    {
        var w = Param("layer.weight", [1f, -2f], [1, 2]);
        var b = Param("layer.bias", [1f], [1]);
        using var opt = new DetectionOptimizer([w, b], new OptimizerSettings(Momentum: 0.9, WeightDecay: 0.1, NormAndBiasWeightDecay: 0), 0.1);
        Assert.Equal(2, opt.GroupCount);

        opt.Step(Loss(w.Item2, b.Item2));
        // g = c + 0.1 w = [0.6, 2.8]; buf = g; w -= 0.1 buf. Bias: no decay, g = 0.5.
        AssertClose([0.94f, -2.28f], w.Item2);
        AssertClose([0.95f], b.Item2);

        opt.Step(Loss(w.Item2, b.Item2));
        // g = [0.5 + 0.094, 3 - 0.228]; buf = 0.9 [0.6, 2.8] + g = [1.134, 5.292]; bias buf = 0.45 + 0.5.
        AssertClose([0.8266f, -2.8092f], w.Item2);
        AssertClose([0.855f], b.Item2);
    }

    [Fact]
    public void LearningRateSetPerStepAppliesToEveryGroup()
    {
        var w = Param("w", [1f, -2f], [1, 2]);
        var b = Param("b", [1f], [1]);
        using var opt = new DetectionOptimizer([w, b], new OptimizerSettings(Momentum: 0, WeightDecay: 0, NormAndBiasWeightDecay: 0.5), 1.0);
        opt.LearningRate = 0.01;
        opt.Step(Loss(w.Item2, b.Item2));
        // b: g = 0.5 + 0.5 * 1 = 1 -> 1 - 0.01.
        AssertClose([1f - 0.005f, -2f - 0.03f], w.Item2);
        AssertClose([0.99f], b.Item2);
    }

    [Fact]
    public void FrozenParametersAreLeftOutAndUntouched()
    {
        var w = Param("w", [1f, -2f], [1, 2]);
        var frozen = Param("frozen", [1f], [1], requiresGrad: false);
        using var opt = new DetectionOptimizer([w, frozen], new OptimizerSettings(), 0.1);
        Assert.Equal(["w"], opt.ParameterNames);
        Assert.Equal(1, opt.GroupCount);
        opt.Step((w.Item2.sum() + frozen.Item2.sum()));
        AssertClose([1f], frozen.Item2);
    }

    [Fact]
    public void GradientClippingBoundsTheUpdate()
    {
        var w = Param("w", [0f, 0f], [1, 2]);
        using var opt = new DetectionOptimizer([w], new OptimizerSettings(Momentum: 0, WeightDecay: 0, ClipGradNorm: 1.0), 1.0);
        // gradient [3, 4] has norm 5 and is scaled to norm 1.
        double? norm = opt.Step((w.Item2 * torch.tensor(new[] { 3f, 4f }, new long[] { 1, 2 })).sum());
        Assert.Equal(5.0, norm!.Value, 5);
        AssertClose([-0.6f, -0.8f], w.Item2, 1e-5f);
    }

    [Fact]
    public void MomentumBuffersRoundTripByName()
    {
        var w = Param("w", [1f, -2f], [1, 2]);
        var b = Param("b", [1f], [1]);
        using var opt = new DetectionOptimizer([w, b], new OptimizerSettings(), 0.1);
        Assert.Empty(opt.MomentumBuffers());
        opt.Step(Loss(w.Item2, b.Item2));
        var saved = opt.MomentumBuffers();
        Assert.Equal(["b", "w"], saved.Keys.Order());

        using var other = new DetectionOptimizer([w, b], new OptimizerSettings(), 0.1);
        other.LoadMomentumBuffers(saved);
        var loaded = other.MomentumBuffers();
        Assert.Equal(saved["w"].data<float>().ToArray(), loaded["w"].data<float>().ToArray());
        Assert.Throws<InvalidDataException>(() => other.LoadMomentumBuffers(new Dictionary<string, Tensor> { ["nope"] = saved["w"] }));
    }

    static void AssertClose(float[] expected, Tensor actual, float tol = 1e-6f)
    {
        var a = actual.detach().data<float>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(expected[i] - a[i]) <= tol, $"element {i}: expected {expected[i]}, got {a[i]}");
    }
}
