using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Structures;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Inference;

/// <summary>
/// Runs a Mask R-CNN on images and hands back plain managed results (<see cref="InstancePrediction"/>): no tensor
/// outlives a call, so callers never dispose anything but the predictor itself.
/// </summary>
public sealed class Predictor : IDisposable
{
    readonly bool _ownsModel;

    public MaskRcnnModel Model { get; }
    public PredictorOptions Options { get; }
    public ClassMap Classes { get; }

    /// <summary>Where the weights came from; null for a predictor around an in-memory model.</summary>
    public WeightsSource? Weights { get; }

    /// <summary>Where the model config came from (a file, the weights' metadata, defaults).</summary>
    public string ConfigOrigin { get; }

    /// <summary>The device of the model's parameters; images go there, results come back to the CPU.</summary>
    public Device Device { get; }

    /// <summary>A predictor around <paramref name="model"/>, which stays the caller's (not disposed with the predictor).</summary>
    public Predictor(MaskRcnnModel model, PredictorOptions? options = null)
        : this(model, options, ownsModel: false, weights: null, configOrigin: "in-memory model") { }

    Predictor(MaskRcnnModel model, PredictorOptions? options, bool ownsModel, WeightsSource? weights, string configOrigin)
    {
        Model = model;
        Options = options ?? new PredictorOptions();
        Classes = Options.Classes ?? ClassMap.FromConfig(model.Config);
        if (Classes.Classes.Count != model.Config.NumClasses - 1)
            throw new ArgumentException($"the class map names {Classes.Classes.Count} classes but the model has {model.Config.NumClasses - 1} (plus background)");
        _ownsModel = ownsModel;
        Device = Runtime.ComputeDevice.Of(model);
        Weights = weights;
        ConfigOrigin = configOrigin;
    }

    /// <summary>
    /// Builds the model and loads its weights (strictly: every key and shape must match). The config is chosen by
    /// <see cref="ModelResolver"/>: <paramref name="configPath"/>, else the one stored with the weights, else
    /// ResNet-50-FPN with <paramref name="numClasses"/> (or the class count the weights show).
    /// </summary>
    /// <param name="weightsPath">A <c>.safetensors</c> or <c>.pth</c> file, or a training checkpoint or run folder.</param>
    /// <param name="configPath">A model config JSON file; null to use the stored one or the defaults.</param>
    /// <param name="numClasses">Classes including background, for weights without a stored config.</param>
    /// <param name="options">Thresholds and class names; null for the defaults.</param>
    /// <param name="adjustConfig">Changes to the resolved config before the model is built (e.g. thresholds).</param>
    /// <param name="device">Where the model runs (<see cref="Runtime.ComputeDevice.Parse"/>); null for the CPU.</param>
    /// <exception cref="WeightsMismatchException">The weights do not fit the model; lists the keys and names the file.</exception>
    /// <remarks>The model is then prepared for inference as <paramref name="options"/> say (norm folding, precision).</remarks>
    public static Predictor Load(string weightsPath, string? configPath = null, int? numClasses = null, PredictorOptions? options = null,
        Func<MaskRcnnConfig, MaskRcnnConfig>? adjustConfig = null, Device? device = null) =>
        Load(new ModelRequest { Weights = weightsPath, ConfigPath = configPath, NumClasses = numClasses }, options, adjustConfig, device);

    /// <summary>A predictor for the model <paramref name="request"/> resolves to (see <see cref="ModelResolver"/>), on
    /// <paramref name="device"/> (null: the CPU).</summary>
    public static Predictor Load(ModelRequest request, PredictorOptions? options = null, Func<MaskRcnnConfig, MaskRcnnConfig>? adjustConfig = null,
        Device? device = null)
    {
        options ??= new PredictorOptions();
        using var resolved = ModelResolver.Resolve(request);
        var model = resolved.CreateModel(adjustConfig);
        try
        {
            if (device is not null) model.to(device);
            model.PrepareForInference(options.FoldBatchNorm, options.Precision);
            return new Predictor(model, options, ownsModel: true, resolved.Weights, resolved.ConfigOrigin);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Detections in the image file at <paramref name="imagePath"/> (PNG, JPEG or TIFF), by score descending.</summary>
    public IReadOnlyList<InstancePrediction> Predict(string imagePath) => Predict(LoadImage(imagePath));

    /// <summary>Reads an image as the model was trained to see it: 16-bit intensities mapped by its config's <see cref="IntensityMapping"/>.</summary>
    public RgbImage LoadImage(string imagePath) =>
        ImageIo.Load(imagePath, new ImageLoadOptions { Intensity = Model.Config.Transform.IntensityMapping });

    /// <summary>Detections in <paramref name="image"/>, by score descending.</summary>
    public IReadOnlyList<InstancePrediction> Predict(RgbImage image) => Predict([image])[0];

    /// <summary>
    /// Managed allocation allowed inside the GC pause (<see cref="Runtime.GcPause"/>) of one prediction of
    /// <paramref name="images"/>. The pause exists so that no collection runs inside this thread's libtorch calls; they
    /// allocate tensor wrappers and the input's float copy, in proportion to the pixels (measured by
    /// PredictionGcPauseTests: 0.7 MB at 128 × 128, 9.9 MB at 640 × 640), so the budget allows 8 MiB plus 64 bytes a
    /// pixel, 2.5 times that. Not the training default of a fixed 64 MiB: the collector keeps a pause's whole budget of
    /// gen0 space free at every prediction and a service touches all of it over time — with 64 MiB, `maskrcnn serve`'s
    /// RSS on 128-pixel images kept climbing for hundreds of requests (GC regions +45 MiB from request 30 to 570 under
    /// load, per /proc/PID/smaps), with 16 MiB it was level after ~100.
    /// </summary>
    internal static long PauseBudgetBytes(IReadOnlyList<RgbImage> images) =>
        (8L << 20) + 64 * images.Sum(i => (long)i.Width * i.Height);

    /// <summary>Detections per image, the images run as one batch (padded to a common size, as torchvision does).</summary>
    public IReadOnlyList<IReadOnlyList<InstancePrediction>> Predict(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        using var gcPause = Runtime.GcPause.Begin(PauseBudgetBytes(images));
        var detections = Model.Predict(images.Select(i => ImageIo.ToTensor(i).to(Device)).ToList());
        return detections.Select(d => ToInstances(d, out _)).ToList();
    }

    /// <summary>The detections scoring at least the threshold, by score descending; <paramref name="kept"/> gives each one's index in <paramref name="d"/>.</summary>
    internal IReadOnlyList<InstancePrediction> ToInstances(Detections d, out long[] kept)
    {
        using var scope = NewDisposeScope();
        var scores = d.Scores.cpu().data<float>().ToArray();
        // Stable, so equal scores keep the model's order.
        var keep = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= Options.ScoreThreshold)
            .OrderByDescending(i => scores[i]).Select(i => (long)i).ToArray();
        kept = keep;
        if (keep.Length == 0) return [];
        var boxes = d.Boxes.cpu().contiguous().data<float>().ToArray();
        var labels = d.Labels.cpu().data<long>().ToArray();
        var result = new List<InstancePrediction>(keep.Length);
        foreach (long k in keep)
        {
            int i = (int)k;
            var info = Classes[(int)labels[i]];
            // torchvision's references binarise with "masks > 0.5" (strictly above); over the pasted box only, the rest is 0.
            result.Add(new InstancePrediction((int)labels[i], info.Name, info.CategoryId, scores[i],
                boxes.AsSpan(4 * i, 4).ToArray(), d.Masks.Binarize(i, Options.MaskThreshold)));
        }
        return result;
    }

    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
