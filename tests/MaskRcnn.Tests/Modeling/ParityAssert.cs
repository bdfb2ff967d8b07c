using MaskRcnn.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>Comparisons of model outputs against torchvision fixtures.</summary>
internal static class ParityAssert
{
    /// <summary>max |actual − expected| / max |expected|.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (actual - expected).abs().max();
        using var scale = expected.abs().max();
        return diff.item<float>() / Math.Max(scale.item<float>(), 1e-12);
    }

    /// <summary>
    /// Matches expected boxes to actual ones one-to-one (same label when labels are given): a pair qualifies
    /// when its IoU is at least <paramref name="minIou"/> or no coordinate differs by more than
    /// <paramref name="coordTolerance"/> pixels — the second rule is for sliver boxes (a fraction of a pixel
    /// thick), whose IoU float32 rounding of the features alone can move below 0.999. Among qualifying
    /// candidates the closest (smallest largest-coordinate difference) wins. Returns the actual row per expected row, or -1.
    /// </summary>
    public static int[] MatchBoxes(Tensor expected, Tensor actual, double minIou, double coordTolerance,
        Tensor? expectedLabels = null, Tensor? actualLabels = null)
    {
        using var iouT = Boxes.Iou(expected, actual);
        var iou = iouT.data<float>().ToArray();
        var e = expected.contiguous().data<float>().ToArray();
        var a = actual.contiguous().data<float>().ToArray();
        long n = expected.shape[0], m = actual.shape[0];
        long[]? el = expectedLabels?.data<long>().ToArray(), al = actualLabels?.data<long>().ToArray();
        var used = new bool[m];
        var match = new int[n];
        for (int i = 0; i < n; i++)
        {
            match[i] = -1;
            double best = double.MaxValue;
            for (int j = 0; j < m; j++)
            {
                if (used[j] || (el is not null && el[i] != al![j])) continue;
                double diff = 0;
                for (int c = 0; c < 4; c++) diff = Math.Max(diff, Math.Abs(e[4 * i + c] - a[4 * j + c]));
                bool qualifies = iou[i * m + j] >= minIou || diff <= coordTolerance;
                if (qualifies && diff < best) { best = diff; match[i] = j; }
            }
            if (match[i] >= 0) used[match[i]] = true;
        }
        return match;
    }

    /// <summary>Largest coordinate difference over matched pairs.</summary>
    public static double MaxCoordinateDifference(Tensor expected, Tensor actual, int[] match)
    {
        var e = expected.contiguous().data<float>().ToArray();
        var a = actual.contiguous().data<float>().ToArray();
        double worst = 0;
        for (int i = 0; i < match.Length; i++)
            if (match[i] >= 0)
                for (int c = 0; c < 4; c++) worst = Math.Max(worst, Math.Abs(e[4 * i + c] - a[4 * match[i] + c]));
        return worst;
    }
}
