using System.Diagnostics;
using MaskRcnn.Distributed;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// The training loop of torchvision's detection references, iteration-based as in the paper: per iteration
/// the scheduled learning rate, the weighted sum of the model's loss terms, one SGD step; metrics,
/// checkpoints and validation at fixed intervals; an exception on a non-finite loss.
/// </summary>
public sealed class Trainer(ITrainableDetector model, IBatchSource data, TrainerOptions options)
{
    /// <summary>Receives a snapshot after every iteration.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Receives one-line notes as they happen (the measured speed and the time the run will take).</summary>
    public Action<string>? Notice { get; init; }

    /// <summary>
    /// Evaluates the model (called in inference mode with the completed iteration count) and returns named
    /// metrics, written to the metrics log as an <c>eval</c> entry.
    /// </summary>
    public Func<int, IReadOnlyDictionary<string, double>>? Validate { get; init; }

    /// <summary>
    /// The data-parallel job this trainer is one rank of (the batch source is then this rank's shard). Rank 0's
    /// initial weights are broadcast, every step averages the gradients over the ranks, and only rank 0 reports
    /// progress, writes metrics and checkpoints and validates. Stopping (cancellation, time budget) is agreed by all.
    /// </summary>
    public ICommunicator Communicator { get; init; } = SingleProcessCommunicator.Instance;

    /// <summary>
    /// Trains to the end of the schedule, from scratch or from a checkpoint (or run) folder. On cancellation the run
    /// checkpoints and returns with <see cref="TrainingResult.Cancelled"/> set.
    /// </summary>
    public TrainingResult Run(string? resumeFrom = null, CancellationToken cancellation = default)
    {
        var schedule = options.Schedule;
        var parallel = new DataParallel(Communicator);
        bool root = Communicator.Rank == 0;
        using var optimizer = new DetectionOptimizer(model.NamedParameters(), options.Optimizer, schedule.LearningRate(0));
        int start = 0;
        long torchSeed = torch.random.initial_seed();
        precision = options.Precision ?? ComputePrecision.Fp32;
        string? lastCheckpoint = null;
        if (resumeFrom is not null)
        {
            lastCheckpoint = CheckpointDirectory.Resolve(resumeFrom).Path;
            var state = Checkpoint.Restore(lastCheckpoint, model, optimizer, Communicator.Rank);
            if (state.WorldSize != Communicator.Size)
                throw new InvalidOperationException($"{lastCheckpoint}: written by a run of {state.WorldSize} processes, resumed with {Communicator.Size}; " +
                                                    "resume with the same number (the data shards and random streams depend on it)");
            // The stored schedule wins: its length may have been fixed by the time budget of the first run.
            schedule = state.Schedule;
            start = state.Iteration;
            torchSeed = state.TorchSeed;
            data.Seek(state.Data);
            if (options.Precision is null) precision = state.Precision;
            else if (options.Precision != state.Precision && root)
                Notice?.Invoke($"resuming a {state.Precision.Name()} run in {precision.Name()}: its losses will not continue exactly");
        }
        bool lengthFixed = resumeFrom is not null || options.TimeBudget is null;
        // In name order, the same on every rank.
        parallel.BroadcastFromRoot(model.StateDict().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));

        string metricsPath = options.Run.MetricsLog;
        if (resumeFrom is not null && root) MetricsLog.DropAfter(metricsPath, start);
        using var metrics = root ? new MetricsLog(metricsPath) : null;
        var tensorBoard = options.TensorBoard && root ? new TensorBoardLog(options.Run.TensorBoard) : null;
        IReadOnlyDictionary<string, double>? lastMetrics = null;
        var clock = Stopwatch.StartNew();
        TimeSpan probeStart = TimeSpan.Zero;
        model.SetTraining(true);

        string SaveCheckpoint(int completed)
        {
            // Collective: every rank's generator state goes into rank 0's checkpoint.
            IReadOnlyList<Tensor>? others = null;
            if (Communicator.Size > 1)
            {
                using var state = torch.Generator.Default.get_state();
                others = parallel.AllGather(state.bytes).Skip(1).Select(b => torch.tensor(b)).ToList();
            }
            try
            {
                return lastCheckpoint = root
                    ? Checkpoint.Save(options.Run, model, optimizer,
                        new CheckpointState(completed, schedule, data.Position, torchSeed, options.ModelConfig, Communicator.Size, precision), others)
                    : options.Run.Checkpoint(completed).Path;
            }
            finally
            {
                foreach (var t in others ?? []) t.Dispose();
            }
        }

        void RunValidation(int completed)
        {
            model.SetTraining(false);
            try
            {
                lastMetrics = Validate!(completed);
            }
            finally
            {
                model.SetTraining(true);
            }
            metrics!.WriteEvaluation(completed, lastMetrics);
            tensorBoard?.WriteEvaluation(completed, lastMetrics);
        }

        int iteration = start;
        bool budgetExhausted = false;
        IterationTimes intervalTimes = default;
        int intervalIterations = 0;
        // Under a time budget the schedule's own length does not count until the speed probe has fixed it.
        for (; !lengthFixed || iteration < schedule.TotalIterations; iteration++)
        {
            // The length fixed after the probe assumes the probe's speed; if the machine slows down, the budget still holds.
            // Rank 0's clock decides for all; a stop asked on any rank stops all at the same iteration.
            bool overBudget = root && lengthFixed && options.TimeBudget is TimeSpan budget && resumeFrom is null && clock.Elapsed >= budget - options.BudgetReserve;
            var stop = parallel.Any(cancellation.IsCancellationRequested, overBudget);
            if (stop[0]) break;
            if (stop[1])
            {
                budgetExhausted = true;
                break;
            }
            double lr = schedule.LearningRate(iteration);
            optimizer.LearningRate = lr;
            var (losses, total, times) = Step(optimizer, parallel, iteration, lastCheckpoint);
            intervalTimes += times;
            intervalIterations++;
            int completed = iteration + 1;
            int doneHere = completed - start;

            if (!lengthFixed)
            {
                // The first iteration warms allocator and caches; time the ones after it.
                if (doneHere == 1) probeStart = clock.Elapsed;
                else if (doneHere == 1 + options.SpeedProbeIterations)
                {
                    var perIteration = (clock.Elapsed - probeStart) / options.SpeedProbeIterations;
                    int length = parallel.BroadcastInt(
                        TimeBudget.TotalIterations(options.TimeBudget!.Value, clock.Elapsed, perIteration, completed, options.BudgetReserve));
                    schedule = options.Schedule.ScaledToIterations(Math.Max(length, completed));
                    lengthFixed = true;
                    if (root) Notice?.Invoke($"measured {perIteration.TotalSeconds:0.###} s/iteration: {schedule.TotalIterations:N0} iterations fit the {options.TimeBudget.Value.TotalMinutes:0.##}-minute budget");
                }
            }

            bool last = lengthFixed && completed == schedule.TotalIterations;
            if (root && (completed % options.LogEvery == 0 || last))
            {
                var entry = new TrainingMetrics(completed, lr, losses, total, clock.Elapsed.TotalSeconds,
                    ProcessMemory.ResidentMb(), ProcessMemory.HeapInUseMb(), intervalTimes.Over(intervalIterations));
                (intervalTimes, intervalIterations) = (default, 0);
                metrics!.WriteTraining(entry);
                tensorBoard?.WriteTraining(entry);
            }
            TimeSpan? eta = lengthFixed ? clock.Elapsed / doneHere * (schedule.TotalIterations - completed) : null;
            if (root && options.TimeBudget is null && resumeFrom is null && doneHere == EstimateAfter && Notice is not null)
                Notice($"estimated time: {eta:hh\\:mm\\:ss} more for {schedule.TotalIterations - completed:N0} iterations ({clock.Elapsed.TotalSeconds / doneHere:0.###} s/iteration so far)");
            // Until a time budget has fixed the length, the total is unknown (null), not the placeholder schedule's.
            if (root) Progress?.Report(new TrainingProgress(completed, lengthFixed ? schedule.TotalIterations : null, clock.Elapsed, eta, lr, losses, total));

            if (Validate is not null && root && !last && options.ValidateEvery > 0 && completed % options.ValidateEvery == 0)
                RunValidation(completed);
            if (!last && options.CheckpointEvery > 0 && completed % options.CheckpointEvery == 0)
                SaveCheckpoint(completed);
        }

        bool cancelled = iteration < schedule.TotalIterations && !budgetExhausted;
        string final = iteration == start && lastCheckpoint is not null ? lastCheckpoint : SaveCheckpoint(iteration);
        if (Validate is not null && root && !cancelled) RunValidation(iteration);
        return new TrainingResult(iteration, schedule, final, clock.Elapsed, cancelled, lastMetrics);
    }

    /// <summary>Iterations after which a run of known length prints its time estimate (the first ones warm caches).</summary>
    const int EstimateAfter = 3;

    /// <summary>The run's training precision (the options', or a resumed checkpoint's).</summary>
    ComputePrecision precision;

    /// <summary>
    /// The forward pass and the losses, under libtorch's autocast in bf16 (as <c>with torch.autocast(...)</c> around
    /// <c>loss_dict = model(images, targets)</c> in torchvision's references); the backward pass runs after the scope.
    /// </summary>
    Dictionary<string, Tensor> ComputeLosses(IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, int iteration)
    {
        using var autocast = Autocast.For(precision, images[0].device_type);
        return model.ComputeLosses(images, targets, iteration);
    }

    (IReadOnlyDictionary<string, double> Losses, double Total, IterationTimes Times) Step(DetectionOptimizer optimizer, DataParallel parallel, int iteration, string? lastCheckpoint)
    {
        using var scope = torch.NewDisposeScope();
        var phase = Stopwatch.StartNew();
        var (images, targets) = data.Next();
        double dataSeconds = phase.Elapsed.TotalSeconds, forwardSeconds = 0, backwardSeconds = 0;
        using var gcPause = Runtime.GcPause.Begin();
        try
        {
            var terms = ComputeLosses(images, targets, iteration);
            if (terms.Count == 0) throw new InvalidOperationException("the model returned no loss terms");
            var values = new Dictionary<string, double>();
            Tensor? total = null;
            foreach (var (name, loss) in terms)
            {
                double value = loss.item<float>();
                if (!double.IsFinite(value)) throw new TrainingDivergedException(iteration + 1, name, value, lastCheckpoint);
                values[name] = value;
                var weighted = loss * options.LossWeights.WeightOf(name);
                total = total is null ? weighted : total + weighted;
            }
            double totalValue = total!.item<float>();
            // item() synchronises, so the forward time is the forward's even on an asynchronous device.
            forwardSeconds = phase.Elapsed.TotalSeconds - dataSeconds;
            if (!double.IsFinite(totalValue)) throw new TrainingDivergedException(iteration + 1, "total loss", totalValue, lastCheckpoint);
            // The logged losses are the means over the ranks, carried in the gradients' all-reduce.
            var reported = values.Values.Append(totalValue).ToArray();
            optimizer.Step(total, () =>
            {
                backwardSeconds = phase.Elapsed.TotalSeconds - dataSeconds - forwardSeconds;
                parallel.AverageGradients(optimizer.Parameters, reported);
            });
            var times = new IterationTimes(dataSeconds, forwardSeconds, backwardSeconds,
                phase.Elapsed.TotalSeconds - dataSeconds - forwardSeconds - backwardSeconds);
            var names = values.Keys.ToList();
            return (names.Select((n, i) => (n, reported[i])).ToDictionary(p => p.n, p => p.Item2), reported[^1], times);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
            foreach (var target in targets) target.Dispose();
        }
    }
}
