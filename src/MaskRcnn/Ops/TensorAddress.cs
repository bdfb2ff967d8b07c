using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>Raw address of a contiguous CPU tensor's storage, for the hand-written kernels.</summary>
internal static class TensorAddress
{
    public static unsafe nint Of(Tensor t)
    {
        if (t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException("A CPU kernel needs a contiguous CPU tensor.", nameof(t));
        // The span wraps native memory, so the address stays valid after 'fixed' (nothing to pin).
        fixed (byte* p = t.bytes)
            return (nint)p;
    }
}
