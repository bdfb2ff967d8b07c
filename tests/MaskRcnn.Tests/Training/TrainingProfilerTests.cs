using MaskRcnn.Data.Shapes;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

public sealed class TrainingProfilerTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_profile_splits_each_iteration_into_the_stages_that_add_up_to_its_wall_time()
    {
        ShapesDataset.Generate(temp.File("data"), count: 4, seed: 3, imageSize: 64);
        var request = new TrainingRequest
        {
            Images = temp.File("data", "images"), Annotations = temp.File("data", "annotations.json"), Output = temp.File("run"),
            BatchSize = 2, Workers = 1, Iterations = 10,
            BaseConfig = TinyModel.Config with { Transform = TinyModel.Config.Transform with { MinSize = [64], MaxSize = 64 } },
        };
        using var run = TrainingRun.Prepare(request);
        var wall = new List<double>();
        var profile = run.Profile(warmup: 1, iterations: 2, (i, ms) => { if (i >= 1) wall.Add(ms); });

        Assert.Equal(["data", "transform", "backbone", "rpn", "roi_heads", "losses", "backward", "optimizer"], profile.StageMs.Select(s => s.Key));
        Assert.All(profile.StageMs, s => Assert.True(s.Value > 0 || s.Key == "data", $"{s.Key}: {s.Value} ms"));
        // The stages cover the iteration: their sum is the measured wall time less the bookkeeping between them.
        double meanWall = wall.Average();
        Assert.InRange(profile.TotalMs, 0.8 * meanWall, meanWall * 1.001);
        foreach (var stage in StageTimer.TrainingStages)
            Assert.True(profile.ConvLinearForwardMs[stage] <= profile.StageMs.First(s => s.Key == stage).Value, stage);
        Assert.Equal(0, profile.ConvLinearForwardMs["transform"]);
        Assert.Equal(0, profile.ConvLinearForwardMs["losses"]);
        Assert.True(profile.ConvLinearForwardMs["backbone"] > 0 && profile.ConvLinearBackwardMs > 0);
        Assert.True(profile.ConvLinearGflop > 0);
        Assert.InRange(profile.OtherShare, 0, 1);
    }
}
