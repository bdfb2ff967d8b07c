using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// What the CPU RoIAlign kernel needs besides the feature maps: the RoIs, which level each reads
/// (null: all read level 0), the level scales and the pooling settings.
/// </summary>
internal sealed record RoiAlignPlan(
    float[] Rois, int[]? RoiLevels, float[] SpatialScales, int PooledHeight, int PooledWidth, int SamplingRatio, bool Aligned)
{
    public int Count => Rois.Length / 5;
}

/// <summary>
/// Autograd node around <see cref="RoiAlignKernel"/>: forward pools, backward scatters the upstream
/// gradient into every level's features (torchvision's _roi_align_backward). Called as
/// <c>apply(plan, feature0, feature1, ...)</c>.
/// </summary>
internal sealed class RoiAlignFunction : autograd.SingleTensorFunction<RoiAlignFunction>
{
    public override string Name => nameof(RoiAlignFunction);

    public static Tensor Apply(RoiAlignPlan plan, IReadOnlyList<Tensor> features) => apply([plan, .. features]);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var plan = (RoiAlignPlan)vars[0];
        var features = vars.Skip(1).Cast<Tensor>().ToArray();
        ctx.save_data("plan", plan);
        ctx.save_data("shapes", features.Select(f => f.shape).ToArray());
        int channels = (int)features[0].shape[1];
        var output = zeros([plan.Count, channels, plan.PooledHeight, plan.PooledWidth], ScalarType.Float32);
        if (output.numel() == 0)
            return output;
        // Channels-last copies: a sample's four neighbours become contiguous channel vectors. Only of the levels
        // some RoI reads (few detections often use one or two of the four): each copy is a pass over a whole map.
        var used = new bool[features.Length];
        if (plan.RoiLevels is null) used[0] = true;
        else foreach (int level in plan.RoiLevels) used[level] = true;
        var channelsLast = features.Select((f, i) => used[i] ? f.permute(0, 2, 3, 1).contiguous() : empty(0, 0, 0, 0)).ToArray();
        try
        {
            RoiAlignKernel.Forward(Levels(channelsLast, plan), plan.Rois, plan.RoiLevels, channels,
                plan.PooledHeight, plan.PooledWidth, plan.SamplingRatio, plan.Aligned, TensorAddress.Of(output));
        }
        finally
        {
            foreach (var c in channelsLast) c.Dispose();
        }
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var plan = (RoiAlignPlan)ctx.get_data("plan");
        var shapes = (long[][])ctx.get_data("shapes");
        var channelsLast = shapes.Select(s => zeros([s[0], s[2], s[3], s[1]], ScalarType.Float32)).ToArray();
        if (plan.Count > 0)
        {
            using var grad = gradOutput.to(ScalarType.Float32).permute(0, 2, 3, 1).contiguous();
            RoiAlignKernel.Backward(Levels(channelsLast, plan), plan.Rois, plan.RoiLevels, (int)shapes[0][1],
                plan.PooledHeight, plan.PooledWidth, plan.SamplingRatio, plan.Aligned, TensorAddress.Of(grad));
        }
        var grads = channelsLast.Select(g => g.permute(0, 3, 1, 2).contiguous()).ToArray();
        foreach (var g in channelsLast) g.Dispose();
        return [null!, .. grads];
    }

    static FeatureLevel[] Levels(Tensor[] maps, RoiAlignPlan plan) =>
        maps.Select((m, i) => new FeatureLevel(TensorAddress.Of(m), (int)m.shape[1], (int)m.shape[2], plan.SpatialScales[i])).ToArray();
}
