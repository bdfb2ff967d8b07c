using MaskRcnn.Modeling;
using MaskRcnn.Structures;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public sealed class EdgeCaseTests
{
    [Fact]
    public void Predict_with_no_detection_returns_empty_results_of_the_right_shapes()
    {
        using var model = new MaskRcnnModel(TinyModel.Config with { RoiHeads = TinyModel.Config.RoiHeads with { ScoreThresh = 1.0 } });
        ModelWeights.Load(model, TinyModel.WeightsPath);
        using var g = new Generator(1);
        using var image = rand([3, 40, 60], generator: g);
        var d = Assert.Single(model.Predict([image]));
        using (d)
        {
            Assert.Equal(0, d.Count);
            using var masks = d.Masks.ToTensor();
            Assert.Equal([0, 1, 40, 60], masks.shape);
            Assert.Equal([0], d.Scores.shape);
        }
    }

    [Fact]
    public void Losses_are_finite_when_an_image_has_no_objects()
    {
        using var model = TinyModel.Load();
        var fixture = SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_losses.safetensors"));
        using var g = new Generator(2);
        using var empty = rand([3, 80, 90], generator: g);
        using var withObjects = rand([3, 120, 160], generator: g);
        var targets = new[]
        {
            new TargetSet(zeros([0, 4]), zeros(0, ScalarType.Int64), zeros([0, 80, 90], ScalarType.Byte)),
            new TargetSet(fixture["target0.boxes"], fixture["target0.labels"], fixture["target0.masks"]),
        };
        var losses = model.ComputeLosses([empty, withObjects], targets);
        Assert.Equal(5, losses.Count);
        foreach (var (name, loss) in losses)
        {
            Assert.True(float.IsFinite(loss.item<float>()), name);
            loss.Dispose();
        }
        foreach (var t in fixture.Values) t.Dispose();
        targets[0].Dispose();
    }

    [Fact]
    public void Bad_targets_are_rejected_with_the_image_index()
    {
        using var model = TinyModel.Load();
        using var image = rand(3, 50, 50);
        using var flipped = new TargetSet(tensor(new float[] { 30, 10, 20, 40 }, [1, 4]), tensor(new long[] { 1 }), zeros([1, 50, 50], ScalarType.Byte));
        Assert.Contains("target 0", Assert.Throws<ArgumentException>(() => model.ComputeLosses([image], [flipped])).Message);
        using var wrongMask = new TargetSet(tensor(new float[] { 10, 10, 20, 40 }, [1, 4]), tensor(new long[] { 1 }), zeros([1, 49, 50], ScalarType.Byte));
        Assert.Contains("masks must be [N,50,50]", Assert.Throws<ArgumentException>(() => model.ComputeLosses([image], [wrongMask])).Message);
    }
}
