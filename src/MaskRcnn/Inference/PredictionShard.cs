using System.Globalization;
using MaskRcnn.Data;

namespace MaskRcnn.Inference;

/// <summary>
/// One task's share of a batch prediction: the inputs sorted (as <see cref="ImageInput.Resolve"/> returns them) and dealt
/// round-robin, image i to task i mod N, so every image belongs to exactly one task however the tasks are scheduled.
/// Ids and output names come from the whole list, so the tasks' outputs join without collisions.
/// </summary>
public static class PredictionShard
{
    /// <summary>
    /// Parses <c>K/N</c>, or <c>auto/N</c> with K from the scheduler: Slurm job arrays' <c>SLURM_ARRAY_TASK_ID</c> (less
    /// <c>SLURM_ARRAY_TASK_MIN</c>, so <c>--array=1-N</c> works as well as <c>0-(N-1)</c>) or Kubernetes Indexed Jobs'
    /// <c>JOB_COMPLETION_INDEX</c>.
    /// </summary>
    /// <exception cref="FormatException">Malformed, or <c>auto</c> without (or out of range of) the scheduler's variables.</exception>
    public static Shard Resolve(string text, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var parts = text.Split('/');
        if (parts.Length != 2 || parts[0] != "auto") return Shard.Parse(text);
        if (!int.TryParse(parts[1], out int n) || n <= 0) throw new FormatException($"'{text}' is not a shard auto/N with N > 0");
        int? Read(string name) => int.TryParse(environment(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
        int k;
        string source;
        if (Read("SLURM_ARRAY_TASK_ID") is int task)
        {
            k = task - (Read("SLURM_ARRAY_TASK_MIN") ?? 0);
            source = $"SLURM_ARRAY_TASK_ID={task}";
        }
        else if (Read("JOB_COMPLETION_INDEX") is int index)
        {
            k = index;
            source = $"JOB_COMPLETION_INDEX={index}";
        }
        else throw new FormatException($"--shard {text}: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set; give K/N");
        if (k < 0 || k >= n) throw new FormatException($"--shard {text}: {source} gives task {k}, outside 0..{n - 1}");
        return new Shard(k, n);
    }

    /// <summary>The shard's images among <paramref name="all"/>, in order.</summary>
    public static IReadOnlyList<ImageInput> Select(IReadOnlyList<ImageInput> all, Shard shard) =>
        all.Where((_, i) => shard.Owns(i)).ToList();
}
