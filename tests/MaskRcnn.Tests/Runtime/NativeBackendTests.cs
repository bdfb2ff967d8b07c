using static TorchSharp.torch;

namespace MaskRcnn.Tests.Runtime;

public class NativeBackendTests
{
    [Fact]
    public void ConvForwardAndBackwardRunOnTheNativeBackend()
    {
        using var scope = NewDisposeScope();
        var x = arange(1 * 2 * 5 * 5, dtype: float32).reshape(1, 2, 5, 5).requires_grad_(true);
        var w = ones(3, 2, 3, 3, dtype: float32).requires_grad_(true);
        var y = nn.functional.conv2d(x, w, padding: [1, 1]);
        Assert.Equal(new long[] { 1, 3, 5, 5 }, y.shape);
        // Centre output = sum of the 3x3 neighbourhood over both channels, computed by hand.
        float expected = 0;
        for (int c = 0; c < 2; c++)
            for (int i = 1; i <= 3; i++)
                for (int j = 1; j <= 3; j++)
                    expected += c * 25 + i * 5 + j;
        Assert.Equal(expected, y[0, 0, 2, 2].item<float>(), 3);
        y.sum().backward();
        // d(sum)/dx at the centre pixel: it is seen by all 9 taps of all 3 output channels.
        Assert.Equal(27f, x.grad![0, 0, 2, 2].item<float>(), 4);
        Assert.Equal(new long[] { 3, 2, 3, 3 }, w.grad!.shape);
    }

    [Fact]
    public void MatrixMultiplyMatchesHandComputation()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }
}
