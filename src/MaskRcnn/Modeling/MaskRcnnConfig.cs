using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaskRcnn.Modeling;

/// <summary>Where the RoI heads read their features from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Architecture>))]
public enum Architecture
{
    /// <summary>ResNet + Feature Pyramid Network, RoIs pooled from P2–P5 (torchvision's maskrcnn_resnet50_fpn).</summary>
    Fpn,

    /// <summary>ResNet stages 1–4 as backbone (stride 16), res5 as the RoI head (the paper's ResNet-C4).</summary>
    C4,
}

/// <summary>One foreground class: its display name and the dataset's category id (e.g. COCO's sparse ids).</summary>
public sealed record ClassInfo(string Name, long CategoryId);

/// <summary>The backbone's normalisation layers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NormKind>))]
public enum NormKind
{
    /// <summary>Fixed statistics and affine terms (torchvision's choice for a trained backbone).</summary>
    FrozenBatchNorm,

    /// <summary>Trainable BatchNorm2d with batch statistics (torchvision's choice when training from scratch).</summary>
    BatchNorm,
}

/// <summary>Backbone layout. Defaults are torchvision's maskrcnn_resnet50_fpn.</summary>
public sealed record BackboneConfig
{
    public Architecture Architecture { get; init; } = Architecture.Fpn;

    /// <summary>ResNet depth: 18 or 34 (BasicBlock), 50 or 101 (Bottleneck).</summary>
    public int Depth { get; init; } = 50;

    /// <summary>Channels of the stem and of layer1's 3×3 convs (64 in every torchvision ResNet; each stage doubles it).</summary>
    public int Width { get; init; } = 64;

    /// <summary>
    /// Residual blocks in layer1..layer4; null means the depth's standard counts (torchvision's [2,2,2,2] for 18,
    /// [3,4,6,3] for 34/50, [3,4,23,3] for 101). ML.NET's ImageNet ResNet-18 is [2,2,2,3]. Null by default and then
    /// not written to JSON, so configs without it keep their form and this record's value equality.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? BlocksPerStage { get; init; }

    /// <summary>How many of layer4, layer3, layer2, layer1, conv1 train (torchvision's trainable_backbone_layers).</summary>
    public int TrainableLayers { get; init; } = 3;

    /// <summary>FrozenBatchNorm2d epsilon: 1e-5 in torchvision ≥ 0.10, 0 for the original COCO v1 checkpoint.</summary>
    public double FrozenBatchNormEps { get; init; } = 1e-5;

    /// <summary>FrozenBatchNorm for a pretrained backbone; BatchNorm (with TrainableLayers 5) to train from scratch.</summary>
    public NormKind Norm { get; init; } = NormKind.FrozenBatchNorm;

    public int FpnOutChannels { get; init; } = 256;

    /// <summary>
    /// C4 only: stride of res5's first block. 1 is the simplification with 7×7 RoIs; 2 is Detectron's
    /// layout, pooling 14×14 RoIs that res5 halves to 7×7. Both branches share the RoI size (RoiHeads.BoxRoiSize
    /// sets it; MaskRoiSize is not used) and predict 14×14 masks.
    /// </summary>
    public int C4Res5Stride { get; init; } = 1;
}

/// <summary>Input normalisation, resizing and batching (torchvision's GeneralizedRCNNTransform).</summary>
public sealed record TransformConfig
{
    /// <summary>Shorter-side targets; training picks one at random, inference uses the last.</summary>
    public IReadOnlyList<int> MinSize { get; init; } = [800];

    public int MaxSize { get; init; } = 1333;
    public IReadOnlyList<double> ImageMean { get; init; } = [0.485, 0.456, 0.406];
    public IReadOnlyList<double> ImageStd { get; init; } = [0.229, 0.224, 0.225];
    public int SizeDivisible { get; init; } = 32;

    /// <summary>How 16-bit images are mapped to 0..255 when read, the same in training and prediction.</summary>
    public IntensityMapping IntensityMapping { get; init; } = IntensityMapping.Default;
}

/// <summary>Region Proposal Network. Defaults are torchvision's.</summary>
public sealed record RpnConfig
{
    /// <summary>Anchor sizes per feature level (P2..P6 for FPN; one level for C4).</summary>
    public IReadOnlyList<IReadOnlyList<double>> AnchorSizes { get; init; } = [[32], [64], [128], [256], [512]];

    public IReadOnlyList<IReadOnlyList<double>> AspectRatios { get; init; } =
        [[0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.5, 1.0, 2.0]];

    public int PreNmsTopNTrain { get; init; } = 2000;
    public int PreNmsTopNTest { get; init; } = 1000;
    public int PostNmsTopNTrain { get; init; } = 2000;
    public int PostNmsTopNTest { get; init; } = 1000;
    public double NmsThresh { get; init; } = 0.7;
    public double FgIouThresh { get; init; } = 0.7;
    public double BgIouThresh { get; init; } = 0.3;
    public int BatchSizePerImage { get; init; } = 256;
    public double PositiveFraction { get; init; } = 0.5;
    public double ScoreThresh { get; init; } = 0.0;

    /// <summary>Proposals with a side below this (in pixels of the resized image) are dropped.</summary>
    public double MinSize { get; init; } = 1e-3;
}

/// <summary>Box and mask heads. Defaults are torchvision's maskrcnn_resnet50_fpn.</summary>
public sealed record RoiHeadsConfig
{
    public int BoxRoiSize { get; init; } = 7;
    public int BoxSamplingRatio { get; init; } = 2;

    /// <summary>Width of the two-MLP box head (fc6, fc7).</summary>
    public int RepresentationSize { get; init; } = 1024;

    public int MaskRoiSize { get; init; } = 14;
    public int MaskSamplingRatio { get; init; } = 2;

    /// <summary>Output channels of each 3×3 conv of the mask head (four of 256 in the paper).</summary>
    public IReadOnlyList<int> MaskLayers { get; init; } = [256, 256, 256, 256];

    public int MaskDilation { get; init; } = 1;

    /// <summary>Channels of the mask predictor's 2×2 deconvolution.</summary>
    public int MaskDimReduced { get; init; } = 256;

    public double FgIouThresh { get; init; } = 0.5;
    public double BgIouThresh { get; init; } = 0.5;
    public int BatchSizePerImage { get; init; } = 512;
    public double PositiveFraction { get; init; } = 0.25;
    public IReadOnlyList<double> BboxRegWeights { get; init; } = [10.0, 10.0, 5.0, 5.0];
    public double ScoreThresh { get; init; } = 0.05;
    public double NmsThresh { get; init; } = 0.5;
    public int DetectionsPerImage { get; init; } = 100;
}

/// <summary>
/// Everything that defines a Mask R-CNN: architecture sizes, every threshold and count, and the class list.
/// The defaults are torchvision 0.14's <c>maskrcnn_resnet50_fpn</c> (91 classes including background).
/// Serialises to JSON with <see cref="ToJson"/> / <see cref="FromJson"/>.
/// </summary>
public sealed record MaskRcnnConfig
{
    /// <summary>Number of classes including the background class 0.</summary>
    public int NumClasses { get; init; } = 91;

    /// <summary>Foreground classes in label order (label i+1 is Classes[i]); may be empty.</summary>
    public IReadOnlyList<ClassInfo> Classes { get; init; } = [];

    public BackboneConfig Backbone { get; init; } = new();
    public TransformConfig Transform { get; init; } = new();
    public RpnConfig Rpn { get; init; } = new();
    public RoiHeadsConfig RoiHeads { get; init; } = new();

    public static MaskRcnnConfig ResNet50Fpn(int numClasses = 91) => new() { NumClasses = numClasses };

    public static MaskRcnnConfig ResNet18Fpn(int numClasses = 91) =>
        new() { NumClasses = numClasses, Backbone = new BackboneConfig { Depth = 18 } };

    /// <summary>
    /// ResNet-50-C4: one feature map at stride 16, so one anchor level carrying all 15 anchors
    /// (sizes 32..512 × ratios 0.5/1/2), and res5 + average pooling as the box head.
    /// </summary>
    public static MaskRcnnConfig ResNet50C4(int numClasses = 91) => new()
    {
        NumClasses = numClasses,
        Backbone = new BackboneConfig { Architecture = Architecture.C4 },
        Rpn = new RpnConfig { AnchorSizes = [[32, 64, 128, 256, 512]], AspectRatios = [[0.5, 1.0, 2.0]] },
    };

    /// <summary>The architecture names <c>maskrcnn train --arch</c> accepts.</summary>
    public static IReadOnlyList<string> ArchitectureNames { get; } =
        ["r18-fpn", "r34-fpn", "r50-fpn", "r101-fpn", "r18-c4", "r34-c4", "r50-c4", "r101-c4"];

    /// <summary>
    /// A config by name (<c>r50-fpn</c>, <c>r18-fpn</c>, <c>r50-c4</c>, …): torchvision's defaults at that depth.
    /// Without pretrained weights torchvision trains every backbone layer with plain BatchNorm2d
    /// (<c>is_trained</c> false); <paramref name="fromScratch"/> does the same here.
    /// </summary>
    public static MaskRcnnConfig ForArchitecture(string name, int numClasses, bool fromScratch)
    {
        var parts = name.ToLowerInvariant().Split('-');
        if (parts.Length != 2 || !parts[0].StartsWith('r') || !int.TryParse(parts[0][1..], out int depth)
            || !ArchitectureNames.Contains(name.ToLowerInvariant()))
            throw new ArgumentException($"unknown architecture '{name}' (expected one of {string.Join(", ", ArchitectureNames)})");
        var config = parts[1] == "c4" ? ResNet50C4(numClasses) : ResNet50Fpn(numClasses);
        var backbone = config.Backbone with { Depth = depth };
        if (fromScratch) backbone = backbone with { Norm = NormKind.BatchNorm, TrainableLayers = 5 };
        return config with { Backbone = backbone };
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static MaskRcnnConfig FromJson(string json) =>
        JsonSerializer.Deserialize<MaskRcnnConfig>(json, JsonOptions)
        ?? throw new JsonException("model config JSON is null");

    /// <summary>
    /// A field the architecture does not use must keep its default: a changed value would be silently dropped
    /// (e.g. a C4 model pools its masks from the box RoIs, so <c>MaskRoiSize</c> changes nothing).
    /// </summary>
    void RejectIgnoredFields()
    {
        var heads = new RoiHeadsConfig();
        var backbone = new BackboneConfig();
        var ignored = new List<string>();
        if (Backbone.Architecture == Architecture.C4)
        {
            if (RoiHeads.MaskRoiSize != heads.MaskRoiSize) ignored.Add("RoiHeads.MaskRoiSize");
            if (!RoiHeads.MaskLayers.SequenceEqual(heads.MaskLayers)) ignored.Add("RoiHeads.MaskLayers");
            if (RoiHeads.MaskDilation != heads.MaskDilation) ignored.Add("RoiHeads.MaskDilation");
            if (RoiHeads.RepresentationSize != heads.RepresentationSize) ignored.Add("RoiHeads.RepresentationSize");
            if (Backbone.FpnOutChannels != backbone.FpnOutChannels) ignored.Add("Backbone.FpnOutChannels");
        }
        else if (Backbone.C4Res5Stride != backbone.C4Res5Stride) ignored.Add("Backbone.C4Res5Stride");
        if (ignored.Count > 0)
            throw new ArgumentException($"{Backbone.Architecture} does not use {string.Join(", ", ignored)}; remove {(ignored.Count == 1 ? "it" : "them")} from the config (or leave the default)");
    }

    /// <summary>Checks the sizes that would otherwise fail deep inside the model with a shape error.</summary>
    public void Validate()
    {
        if (NumClasses < 2) throw new ArgumentException($"NumClasses must count background plus at least one class; got {NumClasses}");
        if (Classes.Count != 0 && Classes.Count != NumClasses - 1)
            throw new ArgumentException($"Classes lists {Classes.Count} names but NumClasses is {NumClasses} (expected {NumClasses - 1} foreground classes)");
        if (Backbone.Depth is not (18 or 34 or 50 or 101))
            throw new ArgumentException($"Backbone.Depth must be 18, 34, 50 or 101; got {Backbone.Depth}");
        if (Backbone.BlocksPerStage is { } blocks && (blocks.Count != 4 || blocks.Any(b => b < 1)))
            throw new ArgumentException($"Backbone.BlocksPerStage must be null (the depth's standard counts) or 4 positive counts for layer1..layer4; got [{string.Join(",", blocks)}]");
        if (Backbone.Width < 1) throw new ArgumentException($"Backbone.Width must be positive; got {Backbone.Width}");
        if (Backbone.C4Res5Stride is not (1 or 2))
            throw new ArgumentException($"Backbone.C4Res5Stride must be 1 or 2; got {Backbone.C4Res5Stride}");
        if (Backbone.TrainableLayers is < 0 or > 5)
            throw new ArgumentException($"Backbone.TrainableLayers must be in 0..5; got {Backbone.TrainableLayers}");
        if (Rpn.AnchorSizes.Count != Rpn.AspectRatios.Count)
            throw new ArgumentException($"Rpn.AnchorSizes has {Rpn.AnchorSizes.Count} levels but Rpn.AspectRatios has {Rpn.AspectRatios.Count}");
        int levels = Backbone.Architecture == Architecture.Fpn ? 5 : 1;
        if (Rpn.AnchorSizes.Count != levels)
            throw new ArgumentException($"{Backbone.Architecture} produces {levels} feature level(s) but Rpn.AnchorSizes has {Rpn.AnchorSizes.Count}");
        int perLocation = Rpn.AnchorSizes[0].Count * Rpn.AspectRatios[0].Count;
        for (int i = 1; i < levels; i++)
            if (Rpn.AnchorSizes[i].Count * Rpn.AspectRatios[i].Count != perLocation)
                throw new ArgumentException("the shared RPN head needs the same number of anchors per location on every level");
        if (Transform.MinSize.Count == 0) throw new ArgumentException("Transform.MinSize needs at least one size");
        if (Transform.IntensityMapping is { LowPercentile: var low, HighPercentile: var high } && !(low >= 0 && low < high && high <= 100))
            throw new ArgumentException($"Transform.IntensityMapping needs 0 <= LowPercentile < HighPercentile <= 100; got {low} and {high}");
        if (!(Transform.IntensityMapping.FixedMaximum > 0))
            throw new ArgumentException($"Transform.IntensityMapping.FixedMaximum must be positive; got {Transform.IntensityMapping.FixedMaximum}");
        RejectIgnoredFields();
        if (RoiHeads.BboxRegWeights.Count != 4) throw new ArgumentException("RoiHeads.BboxRegWeights needs 4 values (wx, wy, ww, wh)");
    }
}
