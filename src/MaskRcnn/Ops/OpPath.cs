using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Which implementation an op runs: the hand-written CPU kernel (fast path for CPU tensors) or the
/// composition of tensor ops that works on any device. <see cref="Auto"/> picks the kernel for CPU
/// inputs; tests force each path to check both against the same torchvision fixtures.
/// </summary>
internal enum OpPath
{
    Auto,
    CpuKernel,
    TensorOps,
}

internal static class OpPathExtensions
{
    public static bool UsesCpuKernel(this OpPath path, Tensor input) => path switch
    {
        OpPath.CpuKernel when input.device_type != DeviceType.CPU =>
            throw new ArgumentException($"The CPU kernel was requested for a tensor on {input.device}."),
        OpPath.CpuKernel => true,
        OpPath.TensorOps => false,
        _ => input.device_type == DeviceType.CPU,
    };
}
