using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Anchors for a set of feature maps as torchvision 0.14's <c>AnchorGenerator</c>: per level, every
/// (aspect ratio, size) pair gives a zero-centred base anchor (aspect ratio = height / width, coordinates rounded
/// half-to-even as <c>generate_anchors</c>' <c>.round()</c>), replicated at every feature-map location shifted by
/// the level's stride.
/// </summary>
public sealed class AnchorGenerator
{
    readonly double[][] sizes;
    readonly double[][] aspectRatios;

    /// <summary>One array of sizes and one of aspect ratios per feature level.</summary>
    public AnchorGenerator(IReadOnlyList<double[]> sizes, IReadOnlyList<double[]> aspectRatios)
    {
        if (sizes.Count == 0 || sizes.Count != aspectRatios.Count)
            throw new ArgumentException(
                $"sizes and aspectRatios need one entry per feature level; got {sizes.Count} and {aspectRatios.Count}");
        for (int level = 0; level < sizes.Count; level++)
            if (sizes[level].Length == 0 || aspectRatios[level].Length == 0)
                throw new ArgumentException($"feature level {level} has no sizes or no aspect ratios");
        this.sizes = sizes.Select(s => s.ToArray()).ToArray();
        this.aspectRatios = aspectRatios.Select(a => a.ToArray()).ToArray();
        NumAnchorsPerLocation = this.sizes.Zip(this.aspectRatios, (s, a) => s.Length * a.Length).ToArray();
    }

    /// <summary>torchvision's FPN default: sizes 32, 64, 128, 256, 512 on five levels, ratios 0.5, 1, 2 on each.</summary>
    public static AnchorGenerator Fpn() => new(
        [[32.0], [64.0], [128.0], [256.0], [512.0]],
        Enumerable.Repeat(new[] { 0.5, 1.0, 2.0 }, 5).ToArray());

    /// <summary>All sizes × ratios on a single feature map (e.g. the C4 / stride-16 setting with k = 15).</summary>
    public static AnchorGenerator SingleLevel(double[] sizes, double[] ratios) => new([sizes], [ratios]);

    /// <summary>Anchors per feature-map location for each level (sizes × ratios).</summary>
    public int[] NumAnchorsPerLocation { get; }

    public int NumLevels => sizes.Length;

    /// <summary>
    /// The level's zero-centred base anchors [A,4] in float32, ratio-major (all sizes for the first ratio, then the
    /// next), computed in float32 exactly as <c>generate_anchors</c>.
    /// </summary>
    public Tensor CellAnchors(int level)
    {
        if (level < 0 || level >= sizes.Length)
            throw new ArgumentOutOfRangeException(nameof(level), $"level {level} is not in [0, {sizes.Length})");
        using var scope = NewDisposeScope();
        var scales = tensor(sizes[level].Select(s => (float)s).ToArray());
        var ratios = tensor(aspectRatios[level].Select(r => (float)r).ToArray());
        var hRatios = ratios.sqrt();
        var wRatios = 1 / hRatios;
        var ws = (wRatios[.., TensorIndex.None] * scales[TensorIndex.None, ..]).view(-1);
        var hs = (hRatios[.., TensorIndex.None] * scales[TensorIndex.None, ..]).view(-1);
        var baseAnchors = stack([-ws, -hs, ws, hs], 1) / 2;
        return baseAnchors.round().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// All anchors of one image [sum(H*W*A), 4] (float32): level by level, locations row-major, the level's
    /// base anchors at each location. Strides are <c>paddedImageSize / featureSize</c> in integer division per
    /// dimension, as torchvision's <c>forward</c>.
    /// </summary>
    public Tensor GridAnchors(IReadOnlyList<(long Height, long Width)> featureSizes, (long Height, long Width) paddedImageSize, Device? device = null)
    {
        if (featureSizes.Count != sizes.Length)
            throw new ArgumentException(
                $"got {featureSizes.Count} feature maps for an anchor generator with {sizes.Length} levels", nameof(featureSizes));
        using var scope = NewDisposeScope();
        var perLevel = new List<Tensor>(featureSizes.Count);
        for (int level = 0; level < featureSizes.Count; level++)
        {
            var (gridH, gridW) = featureSizes[level];
            if (gridH <= 0 || gridW <= 0)
                throw new ArgumentException($"feature map {level} has an empty size {gridH}x{gridW}", nameof(featureSizes));
            long strideH = paddedImageSize.Height / gridH;
            long strideW = paddedImageSize.Width / gridW;
            // Integer shifts (exact in float32 far beyond any image size) added to the float base anchors.
            var shiftsX = arange(0, gridW, ScalarType.Int64, device) * strideW;
            var shiftsY = arange(0, gridH, ScalarType.Int64, device) * strideH;
            var grid = meshgrid([shiftsY, shiftsX], indexing: "ij");
            var shiftY = grid[0].reshape(-1);
            var shiftX = grid[1].reshape(-1);
            var shifts = stack([shiftX, shiftY, shiftX, shiftY], 1).to_type(ScalarType.Float32);
            var cell = CellAnchors(level).to(device ?? CPU);
            perLevel.Add((shifts.view(-1, 1, 4) + cell.view(1, -1, 4)).reshape(-1, 4));
        }
        return cat(perLevel, 0).MoveToOuterDisposeScope();
    }
}
