using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Tests.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Runtime;

public class Bf16LayerConversionTests
{
    [Fact]
    public void ALinearLayerComputesInBf16AndHandsBackFloat32()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var layer = nn.Linear(5, 3);
        var x = randn(4, 5);
        // Expected independently: the same product done by hand on bfloat16 copies.
        var expected = nn.functional.linear(x.to(ScalarType.BFloat16), layer.weight!.to(ScalarType.BFloat16),
            layer.bias!.to(ScalarType.BFloat16)).to(ScalarType.Float32);

        Assert.Equal(1, Bf16LayerConversion.Apply(layer));
        var y = layer.call(x);

        Assert.Equal(ScalarType.BFloat16, layer.weight!.dtype);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(expected.data<float>().ToArray(), y.data<float>().ToArray());
    }

    [Fact]
    public void EveryConvAndLinearOfTheModelRunsInBf16AndNothingElseChanges()
    {
        using var scope = NewDisposeScope();
        using var model = new MaskRcnnModel(TinyModel.Config with { RoiHeads = TinyModel.Config.RoiHeads with { ScoreThresh = 0 } });
        var layers = model.named_modules().Where(m => m.module is Conv2d or ConvTranspose2d or Linear)
            .ToDictionary(m => m.name, m => (nn.Module<Tensor, Tensor>)m.module);

        Assert.Equal(layers.Count, Bf16LayerConversion.Apply(model));

        var inputs = new Dictionary<string, List<ScalarType>>();
        foreach (var (name, layer) in layers)
        {
            var seen = inputs[name] = [];
            // Registered after the autocast hook, so it sees what the layer's forward receives.
            layer.register_forward_pre_hook((_, input) => { seen.Add(input.dtype); return input; });
        }
        manual_seed(0);
        foreach (var d in model.Predict([rand(3, 48, 64)])) d.Dispose();

        Assert.All(layers, l => Assert.True(inputs[l.Key].Count > 0, $"{l.Key} never ran"));
        Assert.All(inputs, i => Assert.All(i.Value, dtype => Assert.Equal(ScalarType.BFloat16, dtype)));
        foreach (var (name, p) in model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers()))
        {
            bool inLayer = layers.Keys.Any(l => name.StartsWith(l + ".", StringComparison.Ordinal));
            Assert.True(p.dtype == (inLayer ? ScalarType.BFloat16 : ScalarType.Float32), $"{name} is {p.dtype}");
        }
    }
}
