using System.Runtime;
using MaskRcnn.Runtime;

namespace MaskRcnn.Tests.Runtime;

[Collection(Training.SerialTorchRandomness.Name)]
public class GcPauseTests
{
    [Fact]
    public void No_collection_happens_inside_a_pause_and_the_collector_is_back_after_it()
    {
        int before = GC.CollectionCount(0);
        using (var pause = GcPause.Begin())
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            int start = GC.CollectionCount(0);
            for (int i = 0; i < 1000; i++) _ = new byte[1024]; // 1 MB, well inside the budget
            Assert.Equal(start, GC.CollectionCount(0));
            using var nested = GcPause.Begin(); // nested pauses leave the outer one in charge
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.True(GC.CollectionCount(0) >= before);
    }

    [Fact]
    public void Allocating_past_the_budget_ends_the_pause_without_an_error()
    {
        using (GcPause.Begin(budgetBytes: 1 << 20))
        {
            for (int i = 0; i < 64; i++) _ = new byte[256 * 1024];
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void Starting_a_pause_collects_the_garbage_left_since_the_last_one()
    {
        using (GcPause.Begin()) { }
        int before = GC.CollectionCount(2);
        for (int i = 0; i < 1000; i++) _ = new byte[8192];

        using (GcPause.Begin()) { }

        Assert.True(GC.CollectionCount(2) > before, "no full collection when the pause started");
    }
}
