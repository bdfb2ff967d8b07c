using System.Text.Json;
using System.Text.Json.Nodes;

namespace MaskRcnn.Training;

/// <summary>One training entry of <c>metrics.jsonl</c>.</summary>
/// <param name="Iteration">Iterations completed.</param>
/// <param name="LearningRate">The learning rate of the last iteration.</param>
/// <param name="Losses">Each loss term, unweighted.</param>
/// <param name="TotalLoss">The weighted sum that was back-propagated.</param>
/// <param name="ElapsedSeconds">Training time since the run (or resume) started.</param>
/// <param name="ResidentMb">The process's resident set after the iteration (MiB), where the platform reports it.</param>
/// <param name="HeapInUseMb">Native heap in use after the iteration (MiB, <see cref="Runtime.ProcessMemory.HeapInUseMb"/>): a leak
/// shows here, while <paramref name="ResidentMb"/> also holds memory the allocator keeps for reuse.</param>
/// <param name="Times">Mean time per iteration by phase since the previous entry.</param>
public sealed record TrainingMetrics(int Iteration, double LearningRate, IReadOnlyDictionary<string, double> Losses, double TotalLoss,
    double ElapsedSeconds, double? ResidentMb = null, double? HeapInUseMb = null, IterationTimes? Times = null);

/// <summary>
/// Appends one JSON object per line to <c>metrics.jsonl</c>: <c>{"type":"train","iteration":..,"lr":..,
/// "loss":..,"losses":{..},"time":..,"rss_mb":..,"heap_mb":..,"times":{"data","forward","backward","optimizer"}}</c> (<see cref="IterationTimes"/>) for logged iterations and <c>{"type":"eval","iteration":..,
/// "metrics":{..}}</c> for validation results. Each line is flushed, so a killed run keeps its log.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly StreamWriter writer;

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> for appending (a resumed run continues the same log).</summary>
    public MetricsLog(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    public void WriteTraining(TrainingMetrics m)
    {
        var losses = new JsonObject();
        foreach (var (k, v) in m.Losses) losses[k] = Finite(v);
        WriteLine(new JsonObject
        {
            ["type"] = "train",
            ["iteration"] = m.Iteration,
            ["lr"] = m.LearningRate,
            ["loss"] = Finite(m.TotalLoss),
            ["losses"] = losses,
            ["time"] = Math.Round(m.ElapsedSeconds, 3),
            ["rss_mb"] = m.ResidentMb is { } mb ? Math.Round(mb, 1) : null,
            ["heap_mb"] = m.HeapInUseMb is { } heap ? Math.Round(heap, 1) : null,
            ["times"] = m.Times is { } t ? new JsonObject
            {
                ["data"] = Math.Round(t.Data, 4), ["forward"] = Math.Round(t.Forward, 4),
                ["backward"] = Math.Round(t.Backward, 4), ["optimizer"] = Math.Round(t.Optimizer, 4),
            } : null,
        });
    }

    public void WriteEvaluation(int iteration, IReadOnlyDictionary<string, double> metrics)
    {
        var values = new JsonObject();
        foreach (var (k, v) in metrics) values[k] = Finite(v);
        WriteLine(new JsonObject { ["type"] = "eval", ["iteration"] = iteration, ["metrics"] = values });
    }

    /// <summary>
    /// Removes the entries after <paramref name="iteration"/>: a run resumed from a checkpoint repeats the
    /// iterations the interrupted run logged after that checkpoint, and the log should hold them once.
    /// </summary>
    public static void DropAfter(string path, int iteration)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path).Where(line =>
            string.IsNullOrWhiteSpace(line) || JsonNode.Parse(line)?["iteration"] is not JsonNode it || (int)it <= iteration).ToList();
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllLines(tmp, kept);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads the training entries of a metrics file, skipping other entry types.</summary>
    public static List<TrainingMetrics> ReadTraining(string path)
    {
        var result = new List<TrainingMetrics>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject o;
            try
            {
                o = JsonNode.Parse(line)!.AsObject();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a JSON object ({e.Message})");
            }
            if ((string?)o["type"] != "train") continue;
            var losses = o["losses"]!.AsObject().ToDictionary(kv => kv.Key, kv => ReadNumber(kv.Value));
            result.Add(new TrainingMetrics((int)o["iteration"]!, (double)o["lr"]!, losses, ReadNumber(o["loss"]), (double)o["time"]!,
                o["rss_mb"] is JsonNode rss ? (double)rss : null, o["heap_mb"] is JsonNode heap ? (double)heap : null,
                o["times"] is JsonObject t ? new IterationTimes((double)t["data"]!, (double)t["forward"]!, (double)t["backward"]!, (double)t["optimizer"]!) : null));
        }
        return result;
    }

    /// <summary>The best value of one evaluation metric logged so far (e.g. <c>segm_AP</c>), or null without one.</summary>
    public static double? BestEvaluation(string path, string metric)
    {
        if (!File.Exists(path)) return null;
        double? best = null;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line) || JsonNode.Parse(line) is not JsonObject o || (string?)o["type"] != "eval") continue;
            if (o["metrics"]?[metric] is JsonNode v && (double)v is var value && (best is null || value > best)) best = value;
        }
        return best;
    }

    // JSON has no NaN or infinity; a diverged value is written as null and read back as NaN.
    static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    static double ReadNumber(JsonNode? n) => n is null ? double.NaN : (double)n;

    void WriteLine(JsonObject o) => writer.WriteLine(o.ToJsonString());

    public void Dispose() => writer.Dispose();
}
