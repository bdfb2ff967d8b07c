using MaskRcnn.Tests.Support;
using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

public sealed class MetricsLogTests : IDisposable
{
    readonly TempDirectory temp = new();

    string path => temp.File("metrics.jsonl");

    public void Dispose() => temp.Dispose();

    static TrainingMetrics Entry(int iteration, double loss) =>
        new(iteration, 0.01, new Dictionary<string, double> { ["loss_mask"] = loss }, loss, iteration * 0.5);

    [Fact]
    public void EntriesRoundTripAndNonFiniteValuesBecomeNaN()
    {
        using (var log = new MetricsLog(path))
        {
            log.WriteTraining(Entry(1, 0.75));
            log.WriteEvaluation(1, new Dictionary<string, double> { ["bbox_AP"] = 0.5 });
            log.WriteTraining(Entry(2, double.PositiveInfinity));
        }
        var entries = MetricsLog.ReadTraining(path);
        Assert.Equal([1, 2], entries.Select(e => e.Iteration));
        Assert.Equal(0.75, entries[0].Losses["loss_mask"]);
        Assert.True(double.IsNaN(entries[1].TotalLoss));
        Assert.Equal(3, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void DropAfterRemovesTheEntriesOfIterationsToBeRepeated()
    {
        using (var log = new MetricsLog(path))
        {
            for (int i = 1; i <= 5; i++) log.WriteTraining(Entry(i, 1.0 / i));
            log.WriteEvaluation(2, new Dictionary<string, double> { ["segm_AP"] = 0.1 });
            log.WriteEvaluation(4, new Dictionary<string, double> { ["segm_AP"] = 0.2 });
        }
        MetricsLog.DropAfter(path, 3);
        Assert.Equal([1, 2, 3], MetricsLog.ReadTraining(path).Select(e => e.Iteration));
        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Contains("\"segm_AP\":0.1", lines[3]);
    }

    [Fact]
    public void MalformedLineIsReportedWithItsNumber()
    {
        File.WriteAllLines(path, ["{\"type\":\"train\"", "x"]);
        var e = Assert.Throws<InvalidDataException>(() => MetricsLog.ReadTraining(path));
        Assert.Contains("metrics.jsonl:1", e.Message);
    }
}
