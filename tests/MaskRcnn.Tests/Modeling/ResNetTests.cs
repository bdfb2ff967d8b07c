using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public sealed class ResNetTests(ITestOutputHelper output)
{
    [Fact]
    public void Bottleneck_resnet50_layout_matches_torchvision()
    {
        // torchvision's ResNet-50 (Bottleneck, stride on the 3×3) at stem width 4: gen_backbone_fixtures.py.
        var path = TestPaths.Fixture("model", "resnet50_w4_body.safetensors");
        var fixture = SafeTensors.Load(path);
        try
        {
            using var body = new ResNet(depth: 50, stages: 4, width: 4, norm: NormLayer.Factory(new BackboneConfig()));
            var weights = fixture.Where(kv => kv.Key.StartsWith("weights.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["weights.".Length..], kv => kv.Value);
            StateDictLoader.Load(body, weights, path);
            body.eval();
            using var _ = no_grad();
            var features = body.Forward(fixture["image"]);
            for (int i = 0; i < 4; i++)
            {
                double err = ParityAssert.RelativeError(features[i], fixture[$"c{i + 2}"]);
                output.WriteLine($"c{i + 2}: {err:E2}");
                Assert.True(err < 1e-4, $"c{i + 2} relative error {err}");
                features[i].Dispose();
            }
        }
        finally
        {
            foreach (var t in fixture.Values) t.Dispose();
        }
    }

    [Fact]
    public void Unsupported_depth_is_rejected_with_the_depth_in_the_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ResNet(depth: 152, stages: 4, width: 64, norm: NormLayer.Factory(new BackboneConfig())));
        Assert.Contains("152", ex.Message);
    }
}
