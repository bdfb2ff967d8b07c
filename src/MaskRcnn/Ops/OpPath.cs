using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Which implementation an op runs: the hand-written CPU kernel (fast path for CPU tensors) or the
/// composition of tensor ops that works on any device. <see cref="Auto"/> picks the kernel for CPU
/// inputs (of the kernel's dtype, where it has one); tests force each path to check both against the same
/// torchvision fixtures.
/// </summary>
internal enum OpPath
{
    Auto,
    CpuKernel,
    TensorOps,
}

internal static class OpPathExtensions
{
    /// <summary>
    /// Whether <paramref name="path"/> runs the kernel on <paramref name="input"/>. <paramref name="kernelDtype"/> is the
    /// only dtype the kernel reads, if it is limited to one: <see cref="OpPath.Auto"/> sends other dtypes to the tensor ops.
    /// </summary>
    public static bool UsesCpuKernel(this OpPath path, Tensor input, ScalarType? kernelDtype = null) => path switch
    {
        OpPath.CpuKernel when input.device_type != DeviceType.CPU =>
            throw new ArgumentException($"The CPU kernel was requested for a tensor on {input.device}."),
        OpPath.CpuKernel when kernelDtype is { } dtype && input.dtype != dtype =>
            throw new ArgumentException($"The CPU kernel needs {dtype} tensors; got {input.dtype}."),
        OpPath.CpuKernel => true,
        OpPath.TensorOps => false,
        _ => OpPathOverride.Forced != OpPath.TensorOps && input.device_type == DeviceType.CPU && (kernelDtype is null || input.dtype == kernelDtype),
    };
}

/// <summary>
/// Sends every <see cref="OpPath.Auto"/> op of the current flow (e.g. a whole model pass) down the tensor-op path, as a
/// non-CPU device would: the device-plumbing tests run a CPU model this way and compare it with the kernels.
/// </summary>
internal static class OpPathOverride
{
    static readonly AsyncLocal<OpPath?> forced = new();

    public static OpPath? Forced => forced.Value;

    /// <summary>Forces <see cref="OpPath.TensorOps"/> until the returned scope is disposed.</summary>
    public static IDisposable ForceTensorOps()
    {
        var previous = forced.Value;
        forced.Value = OpPath.TensorOps;
        return new Restore(previous);
    }

    sealed class Restore(OpPath? previous) : IDisposable
    {
        public void Dispose() => forced.Value = previous;
    }
}
