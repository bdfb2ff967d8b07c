namespace MaskRcnn.Runtime;

/// <summary>Number format of the convolutions and linear layers, at inference (<c>--precision</c>) and in training.</summary>
public enum ComputePrecision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>
    /// bfloat16 convolutions and linear layers, everything else (norms, RoIAlign, box coding, NMS, losses, mask paste)
    /// in float32, as PyTorch's CPU autocast does; about twice as fast on CPUs with AVX512-BF16 or AMX, and slower
    /// than float32 on CPUs without (oneDNN then emulates bfloat16). At inference the layers' weights are converted
    /// (<see cref="Bf16LayerConversion"/>); in training libtorch's autocast keeps float32 master weights
    /// (<see cref="Autocast"/>).
    /// </summary>
    Bf16,
}

/// <summary>The names <c>--precision</c> takes and checkpoints, reports and the service write.</summary>
public static class ComputePrecisionNames
{
    /// <summary><c>fp32</c> or <c>bf16</c>.</summary>
    public static string Name(this ComputePrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>The precision named <paramref name="name"/> (<see cref="Name"/>'s, in any case).</summary>
    public static ComputePrecision Parse(string name) => Enum.Parse<ComputePrecision>(name, ignoreCase: true);
}
