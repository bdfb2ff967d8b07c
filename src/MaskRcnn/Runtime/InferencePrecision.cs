namespace MaskRcnn.Runtime;

/// <summary>Number format of the convolutions and linear layers at inference.</summary>
public enum InferencePrecision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>
    /// bfloat16 convolutions and linear layers, everything else (norms, RoIAlign, box decoding, NMS, mask paste) in
    /// float32, as PyTorch's CPU autocast does; about twice as fast on CPUs with AVX512-BF16 or AMX.
    /// </summary>
    Bf16,
}
