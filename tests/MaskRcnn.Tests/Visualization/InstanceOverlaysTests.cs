using MaskRcnn.Structures;
using MaskRcnn.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Visualization;

public class InstanceOverlaysTests
{
    static readonly string[] Names = ["__background__", "circle", "square"];

    [Fact]
    public void DetectionsAreFilteredByScoreAndMasksBinarisedAtTheThreshold()
    {
        var masks = torch.tensor(new float[] { 0.9f, 0.5f, 0.49f, 0.1f, /* second */ 1, 1, 1, 1, /* third */ 0.6f, 0.6f, 0, 0 }, new long[] { 3, 1, 2, 2 });
        using var d = new Detections(
            torch.tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 1 }, new long[] { 3, 4 }),
            torch.tensor(new float[] { 0.9f, 0.3f, 0.7f }),
            torch.tensor(new long[] { 2, 1, 7 }),
            masks);
        var overlays = InstanceOverlays.FromDetections(d, Names, scoreThreshold: 0.5f);
        Assert.Equal(2, overlays.Count);
        Assert.Equal("square 0.90", overlays[0].Caption);
        Assert.Equal(new BoxXyxy(1, 2, 3, 4), overlays[0].Box);
        Assert.Equal([1, 1, 0, 0], overlays[0].Mask!); // >= 0.5 is inside
        Assert.Equal("7 0.70", overlays[1].Caption); // label without a name
        Assert.Equal([1, 1, 0, 0], overlays[1].Mask!);
    }

    [Fact]
    public void TargetsKeepEveryInstanceWithoutScores()
    {
        using var t = new TargetSet(
            torch.tensor(new float[] { 0, 0, 2, 2 }, new long[] { 1, 4 }),
            torch.tensor(new long[] { 1 }),
            torch.tensor(new byte[] { 0, 3, 1, 0 }, new long[] { 1, 2, 2 }));
        var overlay = Assert.Single(InstanceOverlays.FromTargets(t, Names));
        Assert.Equal("circle", overlay.Caption);
        Assert.Null(overlay.Score);
        Assert.Equal([0, 1, 1, 0], overlay.Mask!);
    }
}
