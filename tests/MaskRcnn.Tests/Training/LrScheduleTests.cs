using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

public class LrScheduleTests
{
    [Fact]
    public void PaperScheduleWarmsUpLinearlyThenDecaysAtTheMilestone()
    {
        var s = LrSchedule.Paper;
        // factor(i) = 0.001 * (1 - i/1000) + i/1000
        Assert.Equal(0.02 * 0.001, s.LearningRate(0), 12);
        Assert.Equal(0.02 * 0.5005, s.LearningRate(500), 12);
        Assert.Equal(0.02 * 0.999001, s.LearningRate(999), 12);
        Assert.Equal(0.02, s.LearningRate(1000), 12);
        Assert.Equal(0.02, s.LearningRate(119_999), 12);
        Assert.Equal(0.002, s.LearningRate(120_000), 12);
        Assert.Equal(0.002, s.LearningRate(159_999), 12);
    }

    [Fact]
    public void TwoMilestonesDecayTwice()
    {
        var s = new LrSchedule(0.1, 100, 0, 1.0, [10, 20], 0.1);
        Assert.Equal(0.1, s.LearningRate(9), 12);
        Assert.Equal(0.01, s.LearningRate(10), 12);
        Assert.Equal(0.001, s.LearningRate(20), 12);
    }

    [Fact]
    public void LinearScalingRuleScalesRateUpAndIterationsDown()
    {
        var s = LrSchedule.ScaledForBatch(2);
        Assert.Equal(0.0025, s.BaseLearningRate, 12);
        Assert.Equal(1_280_000, s.TotalIterations);
        Assert.Equal([960_000], s.Milestones);
        Assert.Equal(1000, s.WarmupIterations);

        var big = LrSchedule.ScaledForBatch(32);
        Assert.Equal(0.04, big.BaseLearningRate, 12);
        Assert.Equal(80_000, big.TotalIterations);
        Assert.Equal([60_000], big.Milestones);
    }

    [Fact]
    public void ScaledToIterationsKeepsMilestonesProportional()
    {
        var s = LrSchedule.Paper.ScaledToIterations(1600);
        Assert.Equal(1600, s.TotalIterations);
        Assert.Equal([1200], s.Milestones);
        Assert.Equal(0.002, s.LearningRate(1200), 12);
        Assert.Equal(0.02, s.LearningRate(1199), 12);
    }

    [Fact]
    public void ScaledToIterationsKeepsAWarmupOfAtLeastFivePercent()
    {
        // Proportionally 1000 * 1600 / 160k = 10 iterations; 5 % of 1600 is 80.
        var s = LrSchedule.Paper.ScaledToIterations(1600);
        Assert.Equal(80, s.WarmupIterations);
        Assert.Equal(0.02 * (0.001 * 0.5 + 0.5), s.LearningRate(40), 12);
        // Never longer than the original warm-up, whether stretched (2000 proportionally) or halved (5 % is 4000).
        Assert.Equal(1000, LrSchedule.Paper.ScaledToIterations(320_000).WarmupIterations);
        Assert.Equal(1000, LrSchedule.Paper.ScaledToIterations(80_000).WarmupIterations);
        Assert.Equal(1, LrSchedule.Paper.ScaledToIterations(16).WarmupIterations);
    }

    [Fact]
    public void RejectsNonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.ScaledForBatch(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Paper.ScaledToIterations(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Paper.LearningRate(-1));
    }
}
