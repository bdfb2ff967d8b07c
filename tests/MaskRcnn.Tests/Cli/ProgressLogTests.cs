using MaskRcnn.Cli;
using MaskRcnn.Training;

namespace MaskRcnn.Tests.Cli;

public class ProgressLogTests
{
    static ProgressUpdate At(long done) => new(done, 100, TimeSpan.FromSeconds(done), TimeSpan.FromSeconds(100 - done), "x");

    [Fact]
    public void WritesTheFirstAndLastUpdateAndThrottlesTheRest()
    {
        var text = new StringWriter();
        var log = new PlainProgressLog(text, "train", TimeSpan.FromHours(1));
        for (int i = 1; i <= 100; i++) log.Report(At(i));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["[00:00:01] train 1/100 (1%) eta 00:01:39 x", "[00:01:40] train 100/100 (100%) eta 00:00:00 x"], lines);
    }

    [Fact]
    public void WithoutThrottlingEveryUpdateIsALine()
    {
        var text = new StringWriter();
        var log = new PlainProgressLog(text, "eval", TimeSpan.Zero);
        for (int i = 1; i <= 5; i++) log.Report(At(i));
        Assert.Equal(5, text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TrainingProgressShowsEachLossTermAndTheRate()
    {
        var p = new TrainingProgress(20, 300, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(560), 0.0025,
            new Dictionary<string, double> { ["loss_classifier"] = 0.5, ["loss_mask"] = 0.25 }, 0.75);
        var u = ProgressUpdate.FromTraining(p);
        Assert.Equal((20L, 300L), (u.Done, u.Total));
        Assert.Equal("loss 0.750 (classifier 0.500 mask 0.250) lr 0.0025", u.Detail);
    }
}
