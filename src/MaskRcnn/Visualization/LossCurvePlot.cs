using ScottPlot;

namespace MaskRcnn.Visualization;

/// <summary>One logged training iteration as the loss plot draws it: the total and each named term.</summary>
public sealed record LossPoint(int Iteration, double TotalLoss, IReadOnlyDictionary<string, double> Losses);

/// <summary>
/// A PNG of the training losses over iterations: every loss term and the total, smoothed with TensorBoard's
/// debiased exponential moving average, the raw total faintly behind; optionally on a log10 y axis.
/// </summary>
public sealed record LossCurvePlot
{
    /// <summary>Weight of the past in the moving average, in [0, 1); 0 plots the raw values.</summary>
    public double Smoothing { get; init; } = 0.6;

    public bool LogY { get; init; }

    public int Width { get; init; } = 900;

    public int Height { get; init; } = 500;

    public string Title { get; init; } = "Training loss";

    public void Save(IReadOnlyList<LossPoint> metrics, string path)
    {
        if (metrics.Count == 0) throw new ArgumentException($"{path}: no training metrics to plot", nameof(metrics));
        if (Smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "smoothing is a weight in [0, 1)");
        var plot = new Plot();
        plot.Font.Set(PlotFont.Family);
        double[] xs = metrics.Select(m => (double)m.Iteration).ToArray();

        var rawTotal = AddLine(plot, xs, metrics.Select(m => m.TotalLoss).ToArray(), smoothed: false);
        if (rawTotal is not null)
        {
            rawTotal.Color = Colors.Black.WithAlpha(0.2);
            rawTotal.LegendText = "";
        }
        var total = AddLine(plot, xs, metrics.Select(m => m.TotalLoss).ToArray(), smoothed: true);
        if (total is not null)
        {
            total.Color = Colors.Black;
            total.LineWidth = 2.5f;
            total.LegendText = "total";
        }
        var terms = metrics.SelectMany(m => m.Losses.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (int t = 0; t < terms.Count; t++)
        {
            var line = AddLine(plot, xs, metrics.Select(m => m.Losses.TryGetValue(terms[t], out var v) ? v : double.NaN).ToArray(), smoothed: true);
            if (line is null) continue;
            line.Color = palette.GetColor(t);
            line.LineWidth = 1.5f;
            line.LegendText = terms[t];
        }

        if (LogY)
        {
            // ScottPlot plots log10 of the data; ticks are relabelled with the original values.
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        plot.Title(Title);
        plot.XLabel("iteration");
        plot.YLabel(LogY ? "loss (log scale)" : "loss");
        plot.ShowLegend(Alignment.UpperRight);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SavePng(full, Width, Height);
    }

    ScottPlot.Plottables.Scatter? AddLine(Plot plot, double[] xs, double[] values, bool smoothed)
    {
        var ys = smoothed ? Smooth(values, Smoothing) : values;
        var points = xs.Zip(ys).Where(p => double.IsFinite(p.Second) && (!LogY || p.Second > 0))
            .Select(p => (p.First, LogY ? Math.Log10(p.Second) : p.Second)).ToArray();
        if (points.Length == 0) return null;
        var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Item2).ToArray());
        line.MarkerSize = 0;
        return line;
    }

    /// <summary>TensorBoard's smoothing: an exponential moving average divided by (1 − w^n) so early points are not pulled to 0; non-finite values are skipped.</summary>
    public static double[] Smooth(IReadOnlyList<double> values, double weight)
    {
        var result = new double[values.Count];
        double last = 0;
        int n = 0;
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                result[i] = double.NaN;
                continue;
            }
            last = last * weight + (1 - weight) * values[i];
            n++;
            result[i] = weight == 0 ? values[i] : last / (1 - Math.Pow(weight, n));
        }
        return result;
    }
}
