using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>Autograd node around <see cref="RoiPoolKernel"/>; called as <c>apply(plan, input)</c>.</summary>
internal sealed class RoiPoolFunction : autograd.SingleTensorFunction<RoiPoolFunction>
{
    internal sealed record Plan(float[] Rois, float SpatialScale, int PooledHeight, int PooledWidth);

    public override string Name => nameof(RoiPoolFunction);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var plan = (Plan)vars[0];
        var input = (Tensor)vars[1];
        int k = plan.Rois.Length / 5, channels = (int)input.shape[1];
        var output = zeros([k, channels, plan.PooledHeight, plan.PooledWidth], ScalarType.Float32);
        var argmax = new int[output.numel()];
        if (argmax.Length > 0)
        {
            using var x = input.contiguous();
            RoiPoolKernel.Forward(TensorAddress.Of(x), channels, (int)x.shape[2], (int)x.shape[3], plan.Rois,
                plan.SpatialScale, plan.PooledHeight, plan.PooledWidth, TensorAddress.Of(output), argmax);
        }
        ctx.save_data("plan", plan);
        ctx.save_data("argmax", argmax);
        ctx.save_data("shape", input.shape);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var plan = (Plan)ctx.get_data("plan");
        var argmax = (int[])ctx.get_data("argmax");
        var shape = (long[])ctx.get_data("shape");
        var gradInput = zeros(shape, ScalarType.Float32);
        if (argmax.Length > 0)
        {
            using var grad = gradOutput.to(ScalarType.Float32).contiguous();
            RoiPoolKernel.Backward(TensorAddress.Of(grad), argmax, plan.Rois, (int)shape[1], (int)shape[2], (int)shape[3],
                plan.PooledHeight, plan.PooledWidth, TensorAddress.Of(gradInput));
        }
        return [null!, gradInput];
    }
}
