using MaskRcnn.Data.Masks;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Structures;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Visualization;
using TorchSharp;

namespace MaskRcnn.Tests.Inference;

public class PredictionOverlaysTests
{
    [Fact]
    public void Predictions_keep_scores_above_the_threshold_and_masks_strictly_above_one_half()
    {
        using var model = new MaskRcnnModel(TinyModel.Config);
        using var predictor = new Predictor(model, new PredictorOptions { ScoreThreshold = 0.5f });
        var whole = new MaskWindow(0, 0, 2, 2);
        var masks = new PastedMasks((2, 2), [whole, whole, whole], [0.9f, 0.5f, 0.49f, 0.51f, /* second */ 1, 1, 1, 1, /* third */ 0.6f, 0.6f, 0, 0]);
        using var d = new Detections(
            torch.tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 1 }, new long[] { 3, 4 }),
            torch.tensor(new float[] { 0.9f, 0.3f, 0.7f }),
            torch.tensor(new long[] { 2, 1, 3 }),
            masks, (2, 2));

        var overlays = predictor.ToInstances(d, out _).ToOverlays();

        Assert.Equal(2, overlays.Count);
        Assert.Equal("2 0.90", overlays[0].Caption); // the tiny config has no names: labels show as numbers
        Assert.Equal(new BoxXyxy(1, 2, 3, 4), overlays[0].Box);
        // torchvision's references binarise with "> 0.5": exactly 0.5 is outside.
        Assert.Equal([1, 0, 0, 1], overlays[0].Mask!.ToFullFrame());
        Assert.Equal("3 0.70", overlays[1].Caption);
        Assert.Equal([1, 1, 0, 0], overlays[1].Mask!.ToFullFrame());
        Assert.Single(predictor.ToInstances(d, out _).ToOverlays(minScore: 0.8f));
    }

    [Fact]
    public void Ground_truth_keeps_every_instance_without_scores()
    {
        using var t = new TargetSet(
            torch.tensor(new float[] { 0, 0, 2, 2 }, new long[] { 1, 4 }),
            torch.tensor(new long[] { 1 }),
            torch.tensor(new byte[] { 0, 3, 1, 0 }, new long[] { 1, 2, 2 }));
        var overlay = Assert.Single(GroundTruthOverlays.From(t, ["__background__", "circle", "square"]));
        Assert.Equal("circle", overlay.Caption);
        Assert.Null(overlay.Score);
        Assert.Equal([0, 1, 1, 0], overlay.Mask!.ToFullFrame());
    }
}
