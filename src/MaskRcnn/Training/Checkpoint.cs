using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Runtime;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// Checkpoints in a run folder (<see cref="RunDirectory"/>). Each is a folder <c>checkpoint-NNNNNNN</c>
/// (<see cref="CheckpointDirectory"/>) with <c>model.safetensors</c> (the model's state dict under torchvision names),
/// <c>optimizer.safetensors</c> (momentum buffers by parameter name and the CPU generator state) and
/// <c>checkpoint.json</c> (<see cref="CheckpointState"/>). A checkpoint is written under a temporary name, renamed when
/// complete, and only then named in the <c>latest</c> file (itself replaced atomically); older checkpoints are deleted
/// after that, so a crash at any moment leaves the last good checkpoint readable.
/// </summary>
public static class Checkpoint
{
    const string MomentumPrefix = "momentum/";
    const string GeneratorStateKey = "rng/torch_cpu";

    /// <summary>
    /// Writes a checkpoint into <paramref name="run"/> and returns its folder. In a data-parallel run,
    /// <paramref name="otherRankGenerators"/> are the CPU generator states of ranks 1, 2, … (rank 0's is this process's):
    /// their samplers drew different amounts, so a bit-exact resume needs each one.
    /// </summary>
    public static string Save(RunDirectory run, ITrainableDetector model, DetectionOptimizer optimizer, CheckpointState state,
        IReadOnlyList<Tensor>? otherRankGenerators = null)
    {
        Directory.CreateDirectory(run.Path);
        var final = run.Checkpoint(state.Iteration);
        var temp = new CheckpointDirectory(final.Path + ".tmp");
        if (Directory.Exists(temp.Path)) Directory.Delete(temp.Path, recursive: true);
        Directory.CreateDirectory(temp.Path);

        using (var scope = torch.NewDisposeScope())
        {
            SafeTensors.Save(temp.Model, model.StateDict());
            var optimizerTensors = optimizer.MomentumBuffers()
                .ToDictionary(kv => MomentumPrefix + kv.Key, kv => kv.Value);
            optimizerTensors[GeneratorStateKey] = torch.Generator.Default.get_state();
            for (int r = 1; r <= (otherRankGenerators?.Count ?? 0); r++) optimizerTensors[RankGeneratorKey(r)] = otherRankGenerators![r - 1];
            SafeTensors.Save(temp.Optimizer, optimizerTensors);
        }
        File.WriteAllText(temp.State, ToJson(state).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        if (Directory.Exists(final.Path)) Directory.Delete(final.Path, recursive: true);
        Directory.Move(temp.Path, final.Path);
        string latestTemp = run.Latest + ".tmp";
        File.WriteAllText(latestTemp, Path.GetFileName(final.Path));
        File.Move(latestTemp, run.Latest, overwrite: true);

        foreach (var old in run.CheckpointFolders())
            if (Path.GetFileName(old) != Path.GetFileName(final.Path)) Directory.Delete(old, recursive: true);
        return final.Path;
    }

    /// <summary>Reads only the state of a checkpoint (for rebuilding the model from its configuration).</summary>
    public static CheckpointState ReadState(CheckpointDirectory checkpoint)
    {
        if (!checkpoint.IsComplete) throw new FileNotFoundException($"{checkpoint.Path}: not a checkpoint ({CheckpointDirectory.StateFile} missing)", checkpoint.State);
        try
        {
            return FromJson(JsonNode.Parse(File.ReadAllText(checkpoint.State))!.AsObject());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{checkpoint.State}: malformed checkpoint state ({e.Message})", e);
        }
    }

    /// <summary>
    /// Restores model weights, momentum buffers and the CPU generator from a checkpoint (or a run folder's
    /// latest checkpoint) and returns its state; the caller positions its data stream at <see cref="CheckpointState.Data"/>.
    /// A data-parallel <paramref name="rank"/> takes its own generator state.
    /// </summary>
    public static CheckpointState Restore(string checkpointOrRunDirectory, ITrainableDetector model, DetectionOptimizer optimizer, int rank = 0)
    {
        var checkpoint = CheckpointDirectory.Resolve(checkpointOrRunDirectory);
        var state = ReadState(checkpoint);
        using var scope = torch.NewDisposeScope();
        var weights = SafeTensors.Load(checkpoint.Model);
        try
        {
            model.LoadStateDict(weights);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"{checkpoint.Model}: cannot load into the model: {e.Message}", e);
        }
        var optimizerTensors = SafeTensors.Load(checkpoint.Optimizer);
        optimizer.LoadMomentumBuffers(optimizerTensors
            .Where(kv => kv.Key.StartsWith(MomentumPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[MomentumPrefix.Length..], kv => kv.Value));
        string generatorKey = rank == 0 ? GeneratorStateKey : RankGeneratorKey(rank);
        if (optimizerTensors.TryGetValue(generatorKey, out var generator))
            torch.Generator.Default.set_state(generator);
        else if (rank > 0)
            throw new InvalidDataException($"{checkpoint.Optimizer}: no generator state for rank {rank}; resume with the number of processes that wrote it ({state.WorldSize})");
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
        ["precision"] = s.Precision.Name(),
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
            o["world_size"] is { } worldSize ? (int)worldSize : 1,
            // Checkpoints written before bf16 training existed are fp32.
            o["precision"] is { } precision ? ComputePrecisionNames.Parse((string)precision!) : ComputePrecision.Fp32);
    }
}
