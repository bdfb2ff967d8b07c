using MaskRcnn.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Runtime;

public sealed class LayerClockTests
{
    [Fact]
    public void Counts_two_flops_per_multiply_add_of_each_layer_kind_and_records_the_calls()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(3, 8, 3, padding: 1);
        var deconv = nn.ConvTranspose2d(4, 6, 2, stride: 2);
        var linear = nn.Linear(8, 5);
        var model = nn.Sequential(("conv", conv), ("deconv", deconv), ("linear", linear));
        using var clock = new LayerClock(model, recordCalls: true);

        conv.call(zeros(2, 3, 6, 6));
        // By hand: 2 × 576 outputs (2·8·6·6) × 27 weights each (3 channels × 3 × 3).
        Assert.Equal(2.0 * 576 * 27, clock.TakeFlops());
        deconv.call(zeros(1, 4, 3, 3));
        // Each of the 36 inputs (4·3·3) meets 6 × 2 × 2 weights.
        Assert.Equal(2.0 * 36 * 24, clock.TakeFlops());
        linear.call(zeros(2, 8).requires_grad_(true));
        Assert.Equal(2.0 * 2 * 8 * 5, clock.TakeFlops());
        Assert.True(clock.TakeMs() >= 0);

        var calls = clock.TakeCalls();
        Assert.Equal(3, calls.Count);
        Assert.Equal([2L, 3, 6, 6], calls[0].InputShape);
        Assert.Same(linear, calls[2].Layer);
        Assert.False(calls[0].InputRequiresGrad);
        Assert.True(calls[2].InputRequiresGrad);
        Assert.Empty(clock.Calls);

        clock.Dispose();
        conv.call(zeros(1, 3, 4, 4)); // hooks removed
        Assert.Equal(0, clock.TakeFlops());
    }

    [Fact]
    public void The_gemm_ceiling_is_a_positive_rate()
    {
        // A small product: the rate is what it is on this machine; its formula is 2·m·k·n over the median time.
        double gflops = GemmCeiling.Gflops(ScalarType.Float32, 256, 256, 256);
        Assert.True(gflops is > 0.01 and < 1e5, $"{gflops} GFLOP/s");
    }
}
