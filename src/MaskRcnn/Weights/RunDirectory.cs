namespace MaskRcnn.Weights;

/// <summary>
/// The on-disk layout of a training run: the one place that names its files. Training writes it, inference reads
/// weights and configs out of it (a run folder given as <c>--weights</c> means its latest checkpoint).
/// <code>
/// run/
///   metrics.jsonl            training and validation log, one JSON object a line
///   latest                   names the newest complete checkpoint folder
///   checkpoint-0001000/      model.safetensors, optimizer.safetensors, checkpoint.json
///   model_final.safetensors  the final weights (config in the metadata)
///   model_best.safetensors   the weights with the best validation segm AP (when validating during training)
///   config.json              the model config
///   loss.png, metrics.json, report.html, comparisons/, tensorboard/
/// </code>
/// </summary>
public sealed record RunDirectory(string Path)
{
    public const string MetricsLogFile = "metrics.jsonl";
    public const string LatestFile = "latest";
    public const string FinalWeightsFile = "model_final.safetensors";
    public const string BestWeightsFile = "model_best.safetensors";
    public const string ConfigFile = "config.json";
    public const string LossCurveFile = "loss.png";
    public const string MetricsSummaryFile = "metrics.json";
    public const string ReportFile = "report.html";
    public const string ComparisonsFolder = "comparisons";
    public const string TensorBoardFolder = "tensorboard";
    const string CheckpointPrefix = "checkpoint-";

    public string MetricsLog => Combine(MetricsLogFile);
    public string Latest => Combine(LatestFile);
    public string FinalWeights => Combine(FinalWeightsFile);
    public string BestWeights => Combine(BestWeightsFile);
    public string Config => Combine(ConfigFile);
    public string LossCurve => Combine(LossCurveFile);
    public string MetricsSummary => Combine(MetricsSummaryFile);
    public string Report => Combine(ReportFile);
    public string Comparisons => Combine(ComparisonsFolder);
    public string TensorBoard => Combine(TensorBoardFolder);

    /// <summary>The folder name of the checkpoint after <paramref name="iteration"/> iterations.</summary>
    public static string CheckpointName(int iteration) => $"{CheckpointPrefix}{iteration:D7}";

    public CheckpointDirectory Checkpoint(int iteration) => new(Combine(CheckpointName(iteration)));

    /// <summary>Every checkpoint folder present, complete or not (temporary ones included).</summary>
    public IEnumerable<string> CheckpointFolders() =>
        Directory.Exists(Path) ? Directory.EnumerateDirectories(Path, CheckpointPrefix + "*") : [];

    /// <summary>The latest complete checkpoint, or null when there is none.</summary>
    public CheckpointDirectory? LatestCheckpoint()
    {
        if (!File.Exists(Latest)) return null;
        var dir = new CheckpointDirectory(Combine(File.ReadAllText(Latest).Trim()));
        return dir.IsComplete ? dir : null;
    }

    /// <summary>Files and folders a run writes that already exist here (what a new run would overwrite or mix with).</summary>
    public IReadOnlyList<string> ExistingOutputs() =>
        new[] { MetricsLog, Latest, FinalWeights, BestWeights, Config, LossCurve, MetricsSummary, Report, Comparisons, TensorBoard }
            .Where(p => File.Exists(p) || Directory.Exists(p)).Concat(CheckpointFolders()).ToList();

    /// <summary>Deletes what a run writes here (and nothing else), for a run started over with <c>--force</c>.</summary>
    public void RemoveOutputs()
    {
        foreach (var p in ExistingOutputs())
            if (Directory.Exists(p)) Directory.Delete(p, recursive: true);
            else File.Delete(p);
    }

    string Combine(string name) => System.IO.Path.Combine(Path, name);
}

/// <summary>One checkpoint folder: the model's state dict, the optimizer's, and the run state (<c>checkpoint.json</c>).</summary>
public sealed record CheckpointDirectory(string Path)
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "checkpoint.json";

    public string Model => System.IO.Path.Combine(Path, ModelFile);
    public string Optimizer => System.IO.Path.Combine(Path, OptimizerFile);
    public string State => System.IO.Path.Combine(Path, StateFile);

    /// <summary>A checkpoint is complete once its state file exists (it is written last, before the folder's rename).</summary>
    public bool IsComplete => File.Exists(State);

    /// <summary>A checkpoint folder given either itself or the run folder holding it (its latest checkpoint).</summary>
    /// <exception cref="FileNotFoundException">Neither.</exception>
    public static CheckpointDirectory Resolve(string checkpointOrRunDirectory)
    {
        var direct = new CheckpointDirectory(checkpointOrRunDirectory);
        if (direct.IsComplete) return direct;
        return new RunDirectory(checkpointOrRunDirectory).LatestCheckpoint()
            ?? throw new FileNotFoundException($"{checkpointOrRunDirectory}: neither a checkpoint nor a run folder with one", checkpointOrRunDirectory);
    }
}
