using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Runtime;

/// <summary>
/// Accumulates the wall time and the floating-point operations of a model's convolution and linear layers, through
/// forward hooks that <see cref="Dispose"/> removes again. Layers do not nest, so the sum counts no time twice.
/// Hooks registered earlier (<see cref="Bf16LayerConversion"/>'s casts) run first: its input cast is not counted, its
/// output cast is.
/// </summary>
/// <remarks>
/// FLOPs are 2 per multiply-add of the layer's own arithmetic (bias adds not counted): a convolution's
/// 2 × output elements × Cin/groups × kH × kW, a transposed convolution's 2 × input elements × Cout/groups × kH × kW,
/// a linear layer's 2 × rows × in × out — the measure a GEMM of the same work has, so the two compare.
/// </remarks>
public sealed class LayerClock : IDisposable
{
    readonly List<Action> removers = [];
    readonly Stopwatch inLayer = new();
    double flops;

    /// <summary>One call of a layer: what <see cref="Calls"/> keeps to replay its backward pass in isolation.</summary>
    public sealed record LayerCall(nn.Module<Tensor, Tensor> Layer, long[] InputShape, ScalarType InputType, bool InputRequiresGrad);

    /// <param name="model">Every Conv2d, ConvTranspose2d and Linear under it (itself included) is hooked.</param>
    /// <param name="recordCalls">Also keep each call's layer and input shape in <see cref="Calls"/>.</param>
    public LayerClock(nn.Module model, bool recordCalls = false)
    {
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is not (Conv2d or ConvTranspose2d or Linear)) continue;
            var layer = (nn.Module<Tensor, Tensor>)module;
            // Fixed by the weight: a convolution's work per output element (its Cin/groups × kH × kW weights), a
            // transposed convolution's per input element (Cout/groups × kH × kW), a linear layer's per input element (out).
            var weight = (Tensor)module.get_parameter("weight")!;
            double flopsPerElement = 2.0 * (module is Linear ? weight.shape[0] : (double)weight.numel() / weight.shape[0]);
            bool perOutputElement = module is Conv2d;
            // The input's size is read before the layer runs: an earlier hook (Bf16LayerConversion's) frees its cast
            // input once the layer is done.
            long inputElements = 0;
            var pre = layer.register_forward_pre_hook((_, input) =>
            {
                if (recordCalls) Calls.Add(new LayerCall(layer, input.shape, input.dtype, input.requires_grad));
                inputElements = input.numel();
                inLayer.Start();
                return input;
            });
            var post = layer.register_forward_hook((_, _, output) =>
            {
                inLayer.Stop();
                flops += flopsPerElement * (perOutputElement ? output.numel() : inputElements);
                return output;
            });
            removers.Add(pre.remove);
            removers.Add(post.remove);
        }
    }

    /// <summary>The calls since the last <see cref="TakeCalls"/> (with <c>recordCalls</c>).</summary>
    public List<LayerCall> Calls { get; } = [];

    /// <summary>Milliseconds inside layers since the last call.</summary>
    public double TakeMs()
    {
        double ms = inLayer.Elapsed.TotalMilliseconds;
        inLayer.Reset();
        return ms;
    }

    /// <summary>Floating-point operations of the layers since the last call.</summary>
    public double TakeFlops()
    {
        double f = flops;
        flops = 0;
        return f;
    }

    /// <summary>The recorded calls, emptied.</summary>
    public List<LayerCall> TakeCalls()
    {
        var calls = Calls.ToList();
        Calls.Clear();
        return calls;
    }

    public void Dispose()
    {
        foreach (var remove in removers) remove();
    }
}
