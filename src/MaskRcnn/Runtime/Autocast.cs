using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Runtime;

/// <summary>
/// libtorch's own autocast — what <c>with torch.autocast(device, dtype):</c> enters in Python — for TorchSharp,
/// which binds none of it (0.107 has no autocast API). Inside a scope, libtorch's dispatcher runs the ops of its
/// lower-precision list (convolutions, transposed convolutions, linear, matmul/bmm/addmm) in <c>dtype</c>, casting
/// float32 inputs and caching the casts of float32 leaf weights for the scope; the ops of its float32 list in
/// float32; everything else in its inputs' type. The parameters stay float32 (the master weights): their gradients
/// come back through the casts in float32, and so do the optimizer state and the checkpoints.
/// </summary>
/// <remarks>
/// <para>Why libtorch's and not our own module hooks (<see cref="Bf16LayerConversion"/>, the inference path, converts the
/// weights for good): training needs float32 weights with a bfloat16 copy per forward pass that autograd
/// differentiates through, which a forward hook cannot give a TorchSharp <c>Conv2d</c>; libtorch's autocast does
/// exactly that, with PyTorch's op lists, so a run here means what <c>torch.autocast</c> means.</para>
/// <para>The binding calls libtorch's C++ functions (<c>at::autocast::set_autocast_enabled</c> and kin) by their
/// Itanium-mangled names in <c>libtorch_cpu.so</c>, the library TorchSharp has already loaded: Linux only, and checked
/// when a scope is first entered. The state is thread-local, as in PyTorch: the scope covers the forward pass on
/// the calling thread, and the backward pass runs outside it (as <c>loss.backward()</c> after the <c>with</c>
/// block does), in the types the forward recorded.</para>
/// <para>Leaving the outermost scope clears libtorch's weight-cast cache, as Python's <c>__exit__</c> does: a cached
/// bfloat16 copy would otherwise outlive the optimizer's in-place update of its float32 source.</para>
/// </remarks>
public sealed unsafe class Autocast : IDisposable
{
    readonly sbyte device;
    readonly bool previousEnabled;
    readonly sbyte previousDtype;
    bool disposed;

    Autocast(DeviceType device, ScalarType dtype)
    {
        var api = Api.Value;
        this.device = (sbyte)device;
        previousEnabled = api.IsEnabled(this.device) != 0;
        previousDtype = api.GetDtype(this.device);
        api.SetDtype(this.device, (sbyte)dtype);
        api.SetEnabled(this.device, 1);
        api.IncrementNesting();
    }

    /// <summary>Enters autocast to <paramref name="dtype"/> for the ops on <paramref name="device"/> on this thread.</summary>
    /// <exception cref="PlatformNotSupportedException">libtorch's autocast entry points are not reachable here.</exception>
    public static Autocast Enter(DeviceType device, ScalarType dtype) => new(device, dtype);

    /// <summary>The scope a training pass in <paramref name="precision"/> runs in: bf16's autocast, or none (null) for fp32.</summary>
    public static Autocast? For(ComputePrecision precision, DeviceType device) =>
        precision == ComputePrecision.Bf16 ? Enter(device, ScalarType.BFloat16) : null;

    /// <summary>Whether autocast is on for <paramref name="device"/> on this thread.</summary>
    public static bool IsEnabled(DeviceType device) => Api.Value.IsEnabled((sbyte)device) != 0;

    /// <summary>
    /// <paramref name="tensor"/> in float32: a reduced-precision result (what an autocast layer returns) is widened
    /// where the detector's float32 work begins — box coding, RoIAlign, the losses, NMS — so that none of it depends
    /// on which list an op is on; anything else comes back as it is.
    /// </summary>
    public static Tensor Widen(Tensor tensor) =>
        tensor.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? tensor.to_type(ScalarType.Float32) : tensor;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var api = Api.Value;
        if (api.DecrementNesting() == 0) api.ClearCache();
        api.SetEnabled(device, (byte)(previousEnabled ? 1 : 0));
        api.SetDtype(device, previousDtype);
    }

    static readonly Lazy<Entries> Api = new(Entries.Bind);

    sealed unsafe class Entries
    {
        public required delegate* unmanaged<sbyte, byte, void> SetEnabled;
        public required delegate* unmanaged<sbyte, byte> IsEnabled;
        public required delegate* unmanaged<sbyte, sbyte, void> SetDtype;
        public required delegate* unmanaged<sbyte, sbyte> GetDtype;
        public required delegate* unmanaged<int> IncrementNesting;
        public required delegate* unmanaged<int> DecrementNesting;
        public required delegate* unmanaged<void> ClearCache;

        const string Library = "libtorch_cpu.so";
        const int RtldNow = 2, RtldNoLoad = 4;

        public static Entries Bind()
        {
            if (!OperatingSystem.IsLinux())
                throw new PlatformNotSupportedException("bfloat16 training calls libtorch's autocast by its Linux symbol names; this build runs on Linux only");
            // Any tensor op makes TorchSharp load libtorch; then the library is found by its soname, not loaded again.
            using (ones(1)) { }
            nint library = dlopen(Library, RtldNow | RtldNoLoad);
            if (library == 0)
                throw new PlatformNotSupportedException($"bfloat16 training needs libtorch's autocast, but {Library} is not loaded in this process");
            nint Symbol(string name, string signature) => NativeLibrary.TryGetExport(library, name, out nint address)
                ? address
                : throw new PlatformNotSupportedException($"{Library} has no at::autocast::{signature}: not the libtorch 2.x this binding follows");
            return new Entries
            {
                SetEnabled = (delegate* unmanaged<sbyte, byte, void>)Symbol("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb", "set_autocast_enabled(DeviceType, bool)"),
                IsEnabled = (delegate* unmanaged<sbyte, byte>)Symbol("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE", "is_autocast_enabled(DeviceType)"),
                SetDtype = (delegate* unmanaged<sbyte, sbyte, void>)Symbol("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE", "set_autocast_dtype(DeviceType, ScalarType)"),
                GetDtype = (delegate* unmanaged<sbyte, sbyte>)Symbol("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE", "get_autocast_dtype(DeviceType)"),
                IncrementNesting = (delegate* unmanaged<int>)Symbol("_ZN2at8autocast17increment_nestingEv", "increment_nesting()"),
                DecrementNesting = (delegate* unmanaged<int>)Symbol("_ZN2at8autocast17decrement_nestingEv", "decrement_nesting()"),
                ClearCache = (delegate* unmanaged<void>)Symbol("_ZN2at8autocast11clear_cacheEv", "clear_cache()"),
            };
        }

        [DllImport("libc.so.6", EntryPoint = "dlopen")]
        static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);
    }
}
