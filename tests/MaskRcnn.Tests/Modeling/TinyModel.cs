using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>The reduced-width Mask R-CNN of tests/fixtures/model/tiny_model.py, expressed with MaskRcnnConfig.</summary>
internal static class TinyModel
{
    public static MaskRcnnConfig Config { get; } = new()
    {
        NumClasses = 4,
        Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 32 },
        Transform = new TransformConfig { MinSize = [320], MaxSize = 512 },
        RoiHeads = new RoiHeadsConfig { RepresentationSize = 64, MaskLayers = [32, 32, 32, 32], MaskDimReduced = 32 },
    };

    public static string WeightsPath => TestPaths.Fixture("model", "tiny_maskrcnn_bn.safetensors");

    public static MaskRcnnModel Load()
    {
        var model = new MaskRcnnModel(Config);
        ModelWeights.Load(model, WeightsPath);
        return model;
    }

    /// <summary>Fixture outputs of torchvision's forward; disposed by the caller.</summary>
    public static Dictionary<string, Tensor> Outputs() => SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_outputs.safetensors"));

    /// <summary>The fixture's uint8 images as float 0..1, exactly as the generator feeds torchvision.</summary>
    public static List<Tensor> Images(Dictionary<string, Tensor> outputs) =>
        [outputs["image0"].to_type(ScalarType.Float32) / 255, outputs["image1"].to_type(ScalarType.Float32) / 255];
}
