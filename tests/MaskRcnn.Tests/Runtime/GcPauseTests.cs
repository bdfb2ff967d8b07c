using System.Runtime;
using MaskRcnn.Runtime;

namespace MaskRcnn.Tests.Runtime;

[Collection(Training.SerialTorchRandomness.Name)]
public class GcPauseTests
{
    [Fact]
    public void A_pause_holds_the_collector_off_while_nested_pauses_come_and_go_and_hands_it_back()
    {
        using (GcPause.Begin())
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            int start = GC.CollectionCount(0);
            for (int i = 0; i < 512; i++) _ = new byte[32 * 1024]; // 16 MB of small garbage, inside the 64 MB budget
            Assert.Equal(start, GC.CollectionCount(0));
            using (GcPause.Begin()) { } // a nested pause starts nothing, so ending it must not end the outer one
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
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
