using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

public class TimeBudgetTests
{
    [Fact]
    public void FillsTheBudgetLeftAfterTheReserve()
    {
        // 60 s budget, 6 s used by 6 iterations, 4 s reserve: 50 s left at 0.5 s each = 100 more.
        int total = TimeBudget.TotalIterations(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(0.5), 6, TimeSpan.FromSeconds(4));
        Assert.Equal(106, total);
    }

    [Fact]
    public void AnExhaustedBudgetStopsWhereTheRunIs()
    {
        int total = TimeBudget.TotalIterations(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(1), 9, TimeSpan.FromSeconds(5));
        Assert.Equal(9, total);
    }
}
