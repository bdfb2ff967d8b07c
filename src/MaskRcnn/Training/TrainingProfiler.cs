using System.Diagnostics;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// Where a training iteration's time goes, per iteration (means over the timed iterations, in ms).
/// </summary>
/// <param name="Iterations">Timed iterations (after the untimed warm-ups).</param>
/// <param name="StageMs">data (waiting for the loader), then <see cref="StageTimer.TrainingStages"/>, backward, optimizer.</param>
/// <param name="ConvLinearForwardMs">Per forward stage, the time inside convolution and linear layers (<see cref="LayerClock"/>).</param>
/// <param name="ConvLinearBackwardMs">The backward pass's convolution and linear work, replayed layer call by layer call
/// (<see cref="TrainingProfiler"/>); the rest of <c>backward</c> is everything else autograd does.</param>
/// <param name="ConvLinearGflop">Forward conv and linear work per iteration, GFLOP.</param>
public sealed record TrainingProfile(
    int Iterations, IReadOnlyList<KeyValuePair<string, double>> StageMs, IReadOnlyDictionary<string, double> ConvLinearForwardMs,
    double ConvLinearBackwardMs, double ConvLinearGflop)
{
    /// <summary>The stages besides the model's own (<see cref="StageTimer.TrainingStages"/>).</summary>
    public const string Data = "data", Backward = "backward", Optimizer = "optimizer";

    /// <summary>All stages in the order an iteration runs them.</summary>
    public static IReadOnlyList<string> Stages { get; } = [Data, .. StageTimer.TrainingStages, Backward, Optimizer];

    public double TotalMs => StageMs.Sum(s => s.Value);

    /// <summary>The conv/linear part of <paramref name="stage"/> per iteration: replayed for the backward pass, timed
    /// by hooks for a forward stage, none for the rest.</summary>
    public double ConvLinearMsOf(string stage) => stage == Backward ? ConvLinearBackwardMs : ConvLinearForwardMs.GetValueOrDefault(stage);

    /// <summary>Forward and backward time inside convolution and linear layers.</summary>
    public double ConvLinearMs => ConvLinearForwardMs.Values.Sum() + ConvLinearBackwardMs;

    /// <summary>The share of the iteration that is not convolution/linear forward or backward (the issue's ≤ 20 %).</summary>
    public double OtherShare => 1 - ConvLinearMs / TotalMs;
}

/// <summary>
/// Profiles training iterations stage by stage, as <see cref="Trainer"/> runs them (the batch source's loader
/// with its workers, the same loss sum, <see cref="DetectionOptimizer.Step"/>, bf16 under <see cref="Autocast"/>):
/// the wait for the batch, the model's forward stages (<see cref="StageTimer"/>), the backward pass and the
/// optimizer step; the conv/linear share of the forward through hooks, and of the backward by replaying each
/// recorded layer call's backward alone after the iteration (same layer, input shape and type, ones as the output
/// gradient) — an estimate, since in the real pass those kernels run between other work, but timed on the same
/// kernels and threads.
/// </summary>
public static class TrainingProfiler
{
    /// <summary>Runs <paramref name="warmup"/> untimed, then <paramref name="iterations"/> timed training iterations of
    /// <paramref name="model"/> on <paramref name="data"/> with <paramref name="optimizer"/> in <paramref name="precision"/>;
    /// <paramref name="progress"/> is called after each iteration (warm-ups included) with its index and wall time in ms.</summary>
    public static TrainingProfile Measure(MaskRcnnModel model, IBatchSource data, DetectionOptimizer optimizer, ComputePrecision precision,
        int warmup, int iterations, Action<int, double>? progress = null)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "at least one timed iteration is needed");
        model.train();
        var stageMs = new Dictionary<string, double>();
        var convForward = new Dictionary<string, double>();
        double convBackward = 0, gflop = 0;
        using var layers = new LayerClock(model, recordCalls: true);
        bool timed = false;
        var timer = new StageTimer((stage, elapsed) =>
        {
            double inLayers = layers.TakeMs();
            if (!timed) return;
            Add(stageMs, stage, elapsed.TotalMilliseconds);
            Add(convForward, stage, inLayers);
        });

        for (int i = 0; i < warmup + iterations; i++)
        {
            timed = i >= warmup;
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var (images, targets) = data.Next();
            double dataMs = clock.Elapsed.TotalMilliseconds, backwardMs = 0;
            try
            {
                using (GcPause.Begin())
                {
                    layers.TakeMs();
                    layers.TakeCalls();
                    layers.TakeFlops();
                    Dictionary<string, Tensor> losses;
                    using (Autocast.For(precision, images[0].device_type))
                        losses = model.ComputeLosses(images, targets, stages: timer);
                    var total = losses.Values.Aggregate((a, b) => a + b);
                    total.item<float>(); // the forward is done (a synchronous device would otherwise overlap it with the backward)
                    var step = Stopwatch.StartNew();
                    optimizer.Step(total, () => backwardMs = step.Elapsed.TotalMilliseconds);
                    double optimizerMs = step.Elapsed.TotalMilliseconds - backwardMs;
                    if (timed)
                    {
                        Add(stageMs, TrainingProfile.Data, dataMs);
                        Add(stageMs, TrainingProfile.Backward, backwardMs);
                        Add(stageMs, TrainingProfile.Optimizer, optimizerMs);
                        gflop += layers.TakeFlops() / 1e9;
                    }
                }
                progress?.Invoke(i, clock.Elapsed.TotalMilliseconds);
                if (timed) convBackward += ReplayBackward(layers.TakeCalls(), precision);
            }
            finally
            {
                foreach (var image in images) image.Dispose();
                foreach (var target in targets) target.Dispose();
            }
        }
        model.zero_grad(); // the replays' gradients

        return new TrainingProfile(iterations,
            TrainingProfile.Stages.Where(stageMs.ContainsKey).Select(s => new KeyValuePair<string, double>(s, stageMs[s] / iterations)).ToList(),
            StageTimer.TrainingStages.ToDictionary(s => s, s => convForward.GetValueOrDefault(s) / iterations),
            convBackward / iterations, gflop / iterations);
    }

    /// <summary>
    /// The backward time of each recorded conv/linear call, alone: the layer's forward on a random input of the recorded
    /// shape and type (needing a gradient where the real input did), then its backward, timed. Layers whose weights are
    /// frozen and whose input needs no gradient did no backward work in the pass, and are skipped.
    /// </summary>
    static double ReplayBackward(List<LayerClock.LayerCall> calls, ComputePrecision precision)
    {
        double ms = 0;
        foreach (var call in calls)
        {
            bool trainsWeights = call.Layer.parameters().Any(p => p.requires_grad);
            if (!trainsWeights && !call.InputRequiresGrad) continue;
            using var scope = NewDisposeScope();
            var input = randn(call.InputShape, dtype: call.InputType).requires_grad_(call.InputRequiresGrad);
            Tensor output;
            using (Autocast.For(precision, input.device_type))
                output = call.Layer.forward(input); // forward, not call: the clock's hooks stay out of the replay
            var gradient = ones_like(output);
            var clock = Stopwatch.StartNew();
            output.backward([gradient]);
            ms += clock.Elapsed.TotalMilliseconds;
        }
        return ms;
    }

    static void Add(Dictionary<string, double> sums, string key, double value) => sums[key] = sums.GetValueOrDefault(key) + value;
}
