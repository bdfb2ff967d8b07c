using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Runtime;

/// <summary>
/// CPU bfloat16 inference for a model's convolutions and linear layers, the part of PyTorch's CPU autocast that
/// matters here (TorchSharp 0.107 exposes no autocast): each <c>Conv2d</c>, <c>ConvTranspose2d</c> and
/// <c>Linear</c> gets bfloat16 weights and forward hooks that cast its input to bfloat16 and its output back to
/// float32. Everything between them — frozen batch norm, ReLU, residual sums, RoIAlign, box decoding, NMS and
/// mask pasting — keeps running in float32, as autocast keeps them.
/// </summary>
/// <remarks>
/// The hooks fire only where the model calls its layers through <c>Module.call</c> (which runs hooks), as
/// MaskRcnnModel does. Inference only: the float32 weights are gone once converted.
/// </remarks>
public static class Bf16LayerConversion
{
    /// <summary>Converts every conv and linear layer under <paramref name="model"/>; returns how many.</summary>
    public static int Apply(nn.Module model)
    {
        int converted = 0;
        // modules() lists the descendants only; a bare layer is converted too.
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is not (Conv2d or ConvTranspose2d or Linear)) continue;
            var layer = (nn.Module<Tensor, Tensor>)module;
            layer.to(ScalarType.BFloat16);
            Tensor? castInput = null;
            layer.register_forward_pre_hook((_, input) =>
            {
                if (input.dtype != ScalarType.Float32) return input;
                castInput = input.to(ScalarType.BFloat16);
                return castInput;
            });
            layer.register_forward_hook((_, _, output) =>
            {
                // The bfloat16 copies die here rather than with the caller's dispose scope, so they never add up.
                castInput?.Dispose();
                castInput = null;
                var widened = output.to(ScalarType.Float32);
                output.Dispose();
                return widened;
            });
            converted++;
        }
        return converted;
    }
}
