using MaskRcnn.Runtime;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// RoIAlign over a feature pyramid as torchvision 0.14's MultiScaleRoIAlign (aligned=False): each box
/// is pooled from the level the <see cref="LevelMapper"/> picks, with level scales inferred from the
/// feature and image sizes. On CPU all levels are pooled in one kernel pass (each RoI reads its own
/// level) instead of torchvision's per-level gather and scatter; gradients reach every level.
/// </summary>
public sealed class MultiScaleRoiAlign((int Height, int Width) outputSize, int samplingRatio,
    int canonicalScale = 224, int canonicalLevel = 4, double eps = 1e-6)
{
    double[]? scales;
    LevelMapper? mapper;

    public (int Height, int Width) OutputSize { get; } = outputSize;
    public int SamplingRatio { get; } = samplingRatio;

    /// <summary>Scales found on the first call (null before it), finest level first.</summary>
    public IReadOnlyList<double>? Scales => scales;

    internal OpPath Path { get; init; } = OpPath.Auto;

    /// <param name="features">The levels to pool from, finest first, each [B,C,Hi,Wi] float32.</param>
    /// <param name="boxesPerImage">Per image, [Ki,4] xyxy boxes in (padded) image coordinates.</param>
    /// <param name="imageSizes">Per image, its size before padding (height, width).</param>
    /// <returns>[sum Ki, C, outputHeight, outputWidth] in the order of the concatenated boxes.</returns>
    public Tensor Forward(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> boxesPerImage, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        // RoIAlign is float32 (torchvision's autocast registration casts its input up too): under bf16 autocast the
        // FPN's levels arrive in bfloat16.
        features = features.Select(Autocast.Widen).ToList();
        Check(features, boxesPerImage, imageSizes);
        // torchvision sets the scales and the mapper up on the first call only and reuses them.
        if (scales is null || mapper is null)
            (scales, mapper) = SetupScales(features, imageSizes, canonicalScale, canonicalLevel, eps);

        using var scope = NewDisposeScope();
        var boxes = cat(boxesPerImage.Select(b => b.to(ScalarType.Float32)).ToArray(), 0);
        var imageIds = cat(boxesPerImage.Select((b, i) => full(b.shape[0], 1, (float)i, ScalarType.Float32, b.device)).ToArray(), 0);
        var rois = cat([imageIds, boxes], 1);
        if (features.Count == 1)
            return scope.MoveToOuter(RoiAlign.Apply(features[0], rois, OutputSize, scales[0], SamplingRatio, aligned: false, Path));

        var levels = mapper.Map(boxes);
        var result = Path.UsesCpuKernel(features[0]) ? PoolInOnePass(features, rois, levels) : PoolPerLevel(features, rois, levels);
        return scope.MoveToOuter(result);
    }

    Tensor PoolInOnePass(IReadOnlyList<Tensor> features, Tensor rois, Tensor levels)
    {
        var roiLevels = levels.to(ScalarType.Int32).cpu().contiguous();
        var plan = new RoiAlignPlan(RoiInputs.ToArray(rois), roiLevels.numel() == 0 ? [] : roiLevels.data<int>().ToArray(),
            scales!.Select(s => (float)s).ToArray(), OutputSize.Height, OutputSize.Width, SamplingRatio, Aligned: false);
        return RoiAlignFunction.Apply(plan, features);
    }

    // torchvision's formulation for devices without the kernel: pool each level's RoIs, then restore
    // the original order.
    Tensor PoolPerLevel(IReadOnlyList<Tensor> features, Tensor rois, Tensor levels)
    {
        var parts = new List<Tensor>();
        var order = new List<Tensor>();
        for (int level = 0; level < features.Count; level++)
        {
            var index = (levels == level).nonzero().flatten();
            parts.Add(RoiAlign.Apply(features[level], rois.index_select(0, index), OutputSize, scales![level], SamplingRatio, false, Path));
            order.Add(index);
        }
        return cat(parts, 0).index_select(0, cat(order, 0).argsort());
    }

    /// <summary>
    /// torchvision's _setup_scales: scale = 2^round(log2(feature height / max image height)) per level
    /// (float32 like torch.tensor(approx).log2().round(), halves to even), levels -log2 of the first
    /// and last scale.
    /// </summary>
    static (double[] Scales, LevelMapper Mapper) SetupScales(IReadOnlyList<Tensor> features,
        IReadOnlyList<(long Height, long Width)> imageSizes, int canonicalScale, int canonicalLevel, double eps)
    {
        long maxHeight = imageSizes.Max(s => s.Height);
        var inferred = features
            .Select(f => Math.Pow(2, Math.Round(MathF.Log2((float)((double)f.shape[2] / maxHeight)), MidpointRounding.ToEven)))
            .ToArray();
        int kMin = (int)-Math.Log2(inferred[0]);
        int kMax = (int)-Math.Log2(inferred[^1]);
        return (inferred, new LevelMapper(kMin, kMax, canonicalScale, canonicalLevel, eps));
    }

    static void Check(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> boxesPerImage, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        const string op = nameof(MultiScaleRoiAlign);
        if (features.Count == 0)
            throw new ArgumentException($"{op}: no feature maps given.", nameof(features));
        if (imageSizes.Count == 0)
            throw new ArgumentException($"{op}: the image size list is empty.", nameof(imageSizes));
        if (boxesPerImage.Count != imageSizes.Count)
            throw new ArgumentException($"{op}: {boxesPerImage.Count} box sets for {imageSizes.Count} image sizes.", nameof(boxesPerImage));
        for (int i = 0; i < features.Count; i++)
        {
            RoiInputs.CheckFeatures(features[i], op, $"features[{i}]");
            if (features[i].device_type != features[0].device_type || features[i].device_index != features[0].device_index)
                throw new ArgumentException($"{op}: features[{i}] is on {features[i].device}, features[0] on {features[0].device}.", nameof(features));
            if (features[i].shape[0] < boxesPerImage.Count || features[i].shape[1] != features[0].shape[1])
                throw new ArgumentException(
                    $"{op}: features[{i}] is [{string.Join(",", features[i].shape)}]; every level needs {boxesPerImage.Count} image(s) and {features[0].shape[1]} channels.", nameof(features));
        }
        for (int i = 0; i < boxesPerImage.Count; i++)
            if (boxesPerImage[i].dim() != 2 || boxesPerImage[i].shape[1] != 4)
                throw new ArgumentException($"{op}: boxes of image {i} must be [K,4], got [{string.Join(",", boxesPerImage[i].shape)}].", nameof(boxesPerImage));
    }
}
