using MaskRcnn.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// Where a detection model's backbone starts from ImageNet (every anchor system does: the paper, torchvision,
/// Detectron2). <see cref="Resolve"/> reads the weights named by a spec; <see cref="Configure"/> makes a config fit
/// them; <see cref="LoadInto"/> copies them into a model built from that config, leaving FPN and heads at their
/// fresh initialisation.
/// </summary>
public sealed class PretrainedBackbone : IDisposable
{
    /// <summary>ML.NET's ImageNet ResNet-18 from NuGet (<see cref="MlNetResNet18Package"/>).</summary>
    public const string ImageNetR18 = "imagenet-r18";

    public PretrainedBody Body { get; }

    PretrainedBackbone(PretrainedBody body) => Body = body;

    /// <summary>
    /// <c>imagenet-r18</c> (ML.NET's ResNet-18, restored from NuGet on first use), the path of an ONNX ResNet with
    /// ML.NET's preprocessing graph in the package layout beside it, or a torchvision ImageNet classification
    /// checkpoint (<c>.pth</c>/<c>.safetensors</c>). Bad input fails with one line naming the file.
    /// </summary>
    public static PretrainedBackbone Resolve(string spec, TextWriter? log = null)
    {
        if (string.Equals(spec, ImageNetR18, StringComparison.OrdinalIgnoreCase))
        {
            var (model, prep) = MlNetResNet18Package.Locate(log);
            return new PretrainedBackbone(OnnxResNetWeights.Read(model, prep));
        }
        if (spec.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            // ML.NET's layout: DnnImageModels/ResNet18Onnx/ResNet18.onnx beside DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx.
            var models = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(spec)))!;
            var prep = Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
            if (!File.Exists(prep))
                throw new FileNotFoundException($"{spec}: needs its preprocessing graph at {prep} (ML.NET's package layout) for the channel order and mean", prep);
            return new PretrainedBackbone(OnnxResNetWeights.Read(spec, prep));
        }
        return new PretrainedBackbone(ImageNetBackboneWeights.Read(spec));
    }

    /// <summary>
    /// <paramref name="config"/> with the backbone these weights need: depth, stem width and block counts of the
    /// file, FrozenBatchNorm2d with the file's epsilon (torchvision's norm for a trained backbone), torchvision's
    /// default of 3 trainable layers when the config was a from-scratch one (BatchNorm), and the input
    /// normalisation the weights were trained with (torchvision's ImageNet mean/std, or the ONNX preprocessing's).
    /// The architecture (FPN or C4), heads and classes are kept.
    /// </summary>
    public MaskRcnnConfig Configure(MaskRcnnConfig config)
    {
        var defaults = new TransformConfig();
        var backbone = config.Backbone with
        {
            Depth = Body.Depth,
            Width = Body.Width,
            BlocksPerStage = Body.HasStandardBlocks ? null : Body.BlocksPerStage,
            Norm = NormKind.FrozenBatchNorm,
            FrozenBatchNormEps = Body.NormEps,
            TrainableLayers = config.Backbone.Norm == NormKind.BatchNorm ? 3 : config.Backbone.TrainableLayers,
        };
        var transform = config.Transform with
        {
            ImageMean = Body.ImageMean ?? defaults.ImageMean,
            ImageStd = Body.ImageStd ?? defaults.ImageStd,
        };
        return config with { Backbone = backbone, Transform = transform };
    }

    /// <summary>Copies the body into <paramref name="model"/> (built from <see cref="Configure"/>'s config).</summary>
    public void LoadInto(nn.Module model) => Body.LoadInto(model);

    /// <summary>
    /// The <c>imagenet-r18</c> model config: ResNet-18-FPN with ML.NET's block counts [2,2,2,3], FrozenBatchNorm2d
    /// and its preprocessing as mean/std (reads the package, restoring it on first use).
    /// </summary>
    public static MaskRcnnConfig ImageNetR18Fpn(int numClasses)
    {
        using var pretrained = Resolve(ImageNetR18);
        return pretrained.Configure(MaskRcnnConfig.ResNet18Fpn(numClasses));
    }

    public void Dispose() => Body.Dispose();
}
