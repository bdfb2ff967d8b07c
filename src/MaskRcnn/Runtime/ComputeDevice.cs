using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Runtime;

/// <summary>
/// The device a model runs on, parsed from <c>cpu</c>, <c>cuda</c> or <c>cuda:i</c>. A model's inputs, targets and
/// intermediates follow the model (every op creates its tensors on its input's device); the hand-written CPU kernels
/// run on CPU tensors and the tensor-op paths everywhere else (<c>Ops/OpPath.cs</c>).
/// </summary>
public static class ComputeDevice
{
    /// <summary>What to rebuild with when the libtorch in use has no CUDA.</summary>
    public const string CudaBuildHint =
        "this build's libtorch is CPU-only; build with the CUDA backend package: dotnet build -p:TorchBackendPackage=TorchSharp-cuda-linux (and its matching version)";

    /// <summary>The device named by <paramref name="name"/>, checked against the libtorch this process loaded.</summary>
    /// <exception cref="ArgumentException">Not a device name, CUDA without a CUDA libtorch or GPU, or a GPU index beyond the count; one line.</exception>
    public static Device Parse(string name)
    {
        string text = name.Trim().ToLowerInvariant();
        if (text == "cpu") return CPU;
        if (text != "cuda" && !text.StartsWith("cuda:", StringComparison.Ordinal))
            throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda or cuda:INDEX)");
        int index = 0;
        if (text.Length > 4 && (!int.TryParse(text[5..], out index) || index < 0))
            throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda or cuda:INDEX)");
        if (!cuda.is_available()) throw new ArgumentException($"--device {name}: {CudaBuildHint}");
        int count = cuda.device_count();
        if (index >= count) throw new ArgumentException($"--device {name}: this machine has {count} CUDA device(s), 0..{count - 1}");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>The device of a module's parameters (CPU for a module without any).</summary>
    public static Device Of(nn.Module module) => module.parameters().FirstOrDefault()?.device ?? CPU;
}
