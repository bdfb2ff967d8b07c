using System.Text.Json;
using System.Text.Json.Serialization;
using MaskRcnn.Modeling;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// The one answer to "which model config, which weights" for training and inference alike. The config comes from,
/// in order: the config file; the config stored with the weights (safetensors metadata or checkpoint state); the
/// request's config object; the architecture name; torchvision's ResNet-50-FPN with the requested class count; that
/// layout with the class count read off the weights' box classifier. Weights are recognised by content, and a
/// checkpoint or run folder stands for its (latest) checkpoint's weights.
/// </summary>
public static class ModelResolver
{
    /// <summary>Where a resolved config came from, in the resolver's order.</summary>
    public enum ConfigSource { File, StoredWithWeights, Given, Architecture, ClassCount, Classifier }

    const string ClassifierKey = "roi_heads.box_predictor.cls_score.weight";

    /// <exception cref="FileNotFoundException">The weights or config file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not what it should be (names the file and the problem).</exception>
    /// <exception cref="ArgumentException">The request contradicts itself (class count, unknown architecture).</exception>
    public static ResolvedModel Resolve(ModelRequest request)
    {
        var weights = request.Weights is null ? null : WeightsSource.Open(request.Weights);
        Dictionary<string, Tensor>? state = null;
        try
        {
            var (config, origin, source) = ChooseConfig(request, weights, ref state);
            if (request.DatasetClasses is { } classes)
                config = config with { NumClasses = classes.Count + 1, Classes = classes };
            else if (request.NumClasses is int n && n != config.NumClasses)
                throw new ArgumentException($"{n} classes were asked for, but the model config ({origin}) has NumClasses {config.NumClasses}");
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{origin}: invalid model config: {e.Message}", e);
            }
            return new ResolvedModel(config, origin, source, weights, state, reinitialiseClassLayers: request.DatasetClasses is not null);
        }
        catch
        {
            if (state is not null) foreach (var t in state.Values) t.Dispose();
            throw;
        }
    }

    static (MaskRcnnConfig Config, string Origin, ConfigSource Source) ChooseConfig(ModelRequest r, WeightsSource? weights, ref Dictionary<string, Tensor>? state)
    {
        if (r.ConfigPath is not null) return (ReadConfigFile(r.ConfigPath), r.ConfigPath, ConfigSource.File);
        if (weights?.EmbeddedConfig is { } stored) return (stored, $"stored with the weights ({weights.Path})", ConfigSource.StoredWithWeights);
        if (r.BaseConfig is not null) return (r.BaseConfig, "the given config", ConfigSource.Given);
        int? classes = r.DatasetClasses is { } dataset ? dataset.Count + 1 : r.NumClasses;
        // Training always names an architecture (r50-fpn unless told otherwise), as torchvision's references default to one.
        string? architecture = r.Architecture ?? (r.DatasetClasses is not null ? "r50-fpn" : null);
        if (architecture is not null)
            return (MaskRcnnConfig.ForArchitecture(architecture, classes ?? 91, fromScratch: weights is null),
                $"{architecture} defaults{(weights is null ? ", trained from scratch" : "")}", ConfigSource.Architecture);
        if (classes is int n) return (MaskRcnnConfig.ResNet50Fpn(n), $"ResNet-50-FPN defaults with {n} classes", ConfigSource.ClassCount);
        if (weights is null) throw new ArgumentException("no weights, no config and no architecture: nothing says which model to build");
        state = StateDictFile.Read(weights.Path);
        if (state.TryGetValue(ClassifierKey, out var classifier) && classifier.dim() == 2)
        {
            int inferred = (int)classifier.shape[0];
            return (MaskRcnnConfig.ResNet50Fpn(inferred), $"ResNet-50-FPN defaults with {inferred} classes (read from {ClassifierKey})", ConfigSource.Classifier);
        }
        throw new ArgumentException($"{weights.Path}: the weights carry no model config; give a config file or the number of classes");
    }

    // Strict where MaskRcnnConfig.FromJson is lenient: a user's file with a misspelt or foreign key (say, a COCO
    // annotations file given by mistake) must not silently become the default config.
    static readonly JsonSerializerOptions StrictJson = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>Reads a <see cref="MaskRcnnConfig"/> JSON file (as <see cref="MaskRcnnConfig.ToJson"/> writes it; unknown
    /// keys are errors), naming the file in every error.</summary>
    public static MaskRcnnConfig ReadConfigFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found", path);
        try
        {
            return JsonSerializer.Deserialize<MaskRcnnConfig>(File.ReadAllText(path), StrictJson)
                ?? throw new JsonException("the JSON is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid model config JSON ({e.Message})", e);
        }
    }
}

/// <summary>
/// A resolved model config with the weights it goes with; builds the model. Holds the weights' tensors once read
/// (dispose it to free them).
/// </summary>
public sealed class ResolvedModel : IDisposable
{
    readonly bool _reinitialiseClassLayers;
    Dictionary<string, Tensor>? _state;

    internal ResolvedModel(MaskRcnnConfig config, string origin, ModelResolver.ConfigSource source, WeightsSource? weights,
        Dictionary<string, Tensor>? state, bool reinitialiseClassLayers)
    {
        Config = config;
        ConfigOrigin = origin;
        ConfigSource = source;
        Weights = weights;
        _state = state;
        _reinitialiseClassLayers = reinitialiseClassLayers;
    }

    /// <summary>The config to build (with the data set's classes under the training policy).</summary>
    public MaskRcnnConfig Config { get; }

    /// <summary>Where the config came from, for messages and <c>info</c>.</summary>
    public string ConfigOrigin { get; }

    /// <summary>Which of the resolver's sources gave the config (defaults from a name or count, or a config someone wrote).</summary>
    public ModelResolver.ConfigSource ConfigSource { get; }

    /// <summary>The weights to load; null for a freshly initialised model.</summary>
    public WeightsSource? Weights { get; }

    /// <summary>Class-specific tensors of the weights that <see cref="CreateModel"/> left freshly initialised (training policy, other class count).</summary>
    public IReadOnlyList<string> ReinitialisedKeys { get; private set; } = [];

    /// <summary>
    /// Builds the model of <see cref="Config"/> (changed by <paramref name="adjust"/> first, e.g. test-time thresholds)
    /// and loads the weights, strictly unless the training policy re-initialises class layers.
    /// </summary>
    /// <param name="adjust">Changes to the config before the model is built; null for none.</param>
    /// <param name="loadWeights">False builds the model only (a resumed run restores the weights from its checkpoint).</param>
    /// <exception cref="WeightsMismatchException">The weights do not fit the model; lists the keys and names the file.</exception>
    public MaskRcnnModel CreateModel(Func<MaskRcnnConfig, MaskRcnnConfig>? adjust = null, bool loadWeights = true)
    {
        var model = new MaskRcnnModel(adjust is null ? Config : adjust(Config));
        try
        {
            if (loadWeights && Weights is not null)
            {
                _state ??= StateDictFile.Read(Weights.Path);
                ReinitialisedKeys = ModelWeights.Load(model, _state, Weights.Path, _reinitialiseClassLayers);
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_state is not null) foreach (var t in _state.Values) t.Dispose();
        _state = null;
    }
}
