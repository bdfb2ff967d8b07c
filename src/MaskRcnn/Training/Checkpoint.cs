using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// Checkpoints in a run folder. Each is a folder <c>checkpoint-NNNNNNN</c> with <c>model.safetensors</c>
/// (the model's state dict under torchvision names), <c>optimizer.safetensors</c> (momentum buffers by
/// parameter name and the CPU generator state) and <c>checkpoint.json</c> (<see cref="CheckpointState"/>).
/// A checkpoint is written under a temporary name, renamed when complete, and only then named in the
/// <c>latest</c> file (itself replaced atomically); older checkpoints are deleted after that, so a crash
/// at any moment leaves the last good checkpoint readable.
/// </summary>
public static class Checkpoint
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "checkpoint.json";
    public const string LatestFile = "latest";
    const string MomentumPrefix = "momentum/";
    const string GeneratorStateKey = "rng/torch_cpu";

    /// <summary>
    /// Writes a checkpoint into <paramref name="runDirectory"/> and returns its folder. In a data-parallel run,
    /// <paramref name="otherRankGenerators"/> are the CPU generator states of ranks 1, 2, … (rank 0's is this process's):
    /// their samplers drew different amounts, so a bit-exact resume needs each one.
    /// </summary>
    public static string Save(string runDirectory, ITrainableDetector model, DetectionOptimizer optimizer, CheckpointState state,
        IReadOnlyList<Tensor>? otherRankGenerators = null)
    {
        Directory.CreateDirectory(runDirectory);
        string final = FolderFor(runDirectory, state.Iteration);
        string name = Path.GetFileName(final);
        string temp = final + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        using (var scope = torch.NewDisposeScope())
        {
            SafeTensors.Save(Path.Combine(temp, ModelFile), model.StateDict());
            var optimizerTensors = optimizer.MomentumBuffers()
                .ToDictionary(kv => MomentumPrefix + kv.Key, kv => kv.Value);
            optimizerTensors[GeneratorStateKey] = torch.Generator.Default.get_state();
            for (int r = 1; r <= (otherRankGenerators?.Count ?? 0); r++) optimizerTensors[RankGeneratorKey(r)] = otherRankGenerators![r - 1];
            SafeTensors.Save(Path.Combine(temp, OptimizerFile), optimizerTensors);
        }
        File.WriteAllText(Path.Combine(temp, StateFile), ToJson(state).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        string latestTemp = Path.Combine(runDirectory, LatestFile + ".tmp");
        File.WriteAllText(latestTemp, name);
        File.Move(latestTemp, Path.Combine(runDirectory, LatestFile), overwrite: true);

        foreach (var old in Directory.GetDirectories(runDirectory, "checkpoint-*"))
            if (Path.GetFileName(old) != name) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>The folder <see cref="Save"/> writes for the state after <paramref name="iteration"/> iterations.</summary>
    public static string FolderFor(string runDirectory, int iteration) => Path.Combine(runDirectory, $"checkpoint-{iteration:D7}");

    /// <summary>The folder of the latest complete checkpoint in a run folder, or null when there is none.</summary>
    public static string? FindLatest(string runDirectory)
    {
        string latest = Path.Combine(runDirectory, LatestFile);
        if (!File.Exists(latest)) return null;
        string dir = Path.Combine(runDirectory, File.ReadAllText(latest).Trim());
        return File.Exists(Path.Combine(dir, StateFile)) ? dir : null;
    }

    /// <summary>A checkpoint folder given either itself or the run folder holding it (its latest checkpoint).</summary>
    public static string Resolve(string checkpointOrRunDirectory)
    {
        if (File.Exists(Path.Combine(checkpointOrRunDirectory, StateFile))) return checkpointOrRunDirectory;
        return FindLatest(checkpointOrRunDirectory)
            ?? throw new FileNotFoundException($"{checkpointOrRunDirectory}: neither a checkpoint nor a run folder with one", checkpointOrRunDirectory);
    }

    /// <summary>Reads only the state of a checkpoint folder (for rebuilding the model from its configuration).</summary>
    public static CheckpointState ReadState(string checkpointDirectory)
    {
        string path = Path.Combine(checkpointDirectory, StateFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{checkpointDirectory}: not a checkpoint ({StateFile} missing)", path);
        try
        {
            return FromJson(JsonNode.Parse(File.ReadAllText(path))!.AsObject());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed checkpoint state ({e.Message})", e);
        }
    }

    /// <summary>
    /// Restores model weights, momentum buffers and the CPU generator from a checkpoint (or a run folder's
    /// latest checkpoint) and returns
    /// its state; the caller positions its data stream at <see cref="CheckpointState.Data"/>. A data-parallel
    /// <paramref name="rank"/> takes its own generator state.
    /// </summary>
    public static CheckpointState Restore(string checkpointOrRunDirectory, ITrainableDetector model, DetectionOptimizer optimizer, int rank = 0)
    {
        string checkpointDirectory = Resolve(checkpointOrRunDirectory);
        var state = ReadState(checkpointDirectory);
        using var scope = torch.NewDisposeScope();
        var weights = SafeTensors.Load(Path.Combine(checkpointDirectory, ModelFile));
        try
        {
            model.LoadStateDict(weights);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, ModelFile)}: cannot load into the model: {e.Message}", e);
        }
        var optimizerTensors = SafeTensors.Load(Path.Combine(checkpointDirectory, OptimizerFile));
        optimizer.LoadMomentumBuffers(optimizerTensors
            .Where(kv => kv.Key.StartsWith(MomentumPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[MomentumPrefix.Length..], kv => kv.Value));
        string generatorKey = rank == 0 ? GeneratorStateKey : RankGeneratorKey(rank);
        if (optimizerTensors.TryGetValue(generatorKey, out var generator))
            torch.Generator.Default.set_state(generator);
        else if (rank > 0)
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, OptimizerFile)}: no generator state for rank {rank}; resume with the number of processes that wrote it ({state.WorldSize})");
        return state;
    }

    static string RankGeneratorKey(int rank) => $"{GeneratorStateKey}/rank{rank}";

    static JsonObject ToJson(CheckpointState s) => new()
    {
        ["iteration"] = s.Iteration,
        ["schedule"] = new JsonObject
        {
            ["base_lr"] = s.Schedule.BaseLearningRate,
            ["total_iterations"] = s.Schedule.TotalIterations,
            ["warmup_iterations"] = s.Schedule.WarmupIterations,
            ["warmup_factor"] = s.Schedule.WarmupFactor,
            ["milestones"] = new JsonArray(s.Schedule.Milestones.Select(m => (JsonNode)m).ToArray()),
            ["gamma"] = s.Schedule.Gamma,
        },
        ["data"] = new JsonObject { ["seed"] = s.Data.Seed, ["epoch"] = s.Data.Epoch, ["batch_index"] = s.Data.BatchIndex },
        // A string: JSON numbers lose 64-bit seeds in many readers.
        ["torch_seed"] = s.TorchSeed.ToString(CultureInfo.InvariantCulture),
        ["model_config"] = s.ModelConfig?.DeepClone(),
        ["world_size"] = s.WorldSize,
    };

    static CheckpointState FromJson(JsonObject o)
    {
        var s = o["schedule"]!.AsObject();
        var schedule = new LrSchedule(
            (double)s["base_lr"]!, (int)s["total_iterations"]!, (int)s["warmup_iterations"]!, (double)s["warmup_factor"]!,
            s["milestones"]!.AsArray().Select(m => (int)m!).ToArray(), (double)s["gamma"]!);
        var d = o["data"]!.AsObject();
        return new CheckpointState(
            (int)o["iteration"]!, schedule, new DataPosition((long)d["seed"]!, (int)d["epoch"]!, (int)d["batch_index"]!),
            long.Parse((string)o["torch_seed"]!, CultureInfo.InvariantCulture), o["model_config"]?.DeepClone(),
            o["world_size"] is { } worldSize ? (int)worldSize : 1);
    }
}
