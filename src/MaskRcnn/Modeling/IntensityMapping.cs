using System.Text.Json.Serialization;

namespace MaskRcnn.Modeling;

/// <summary>How an image with more than 8 bits per sample is brought to the 0..255 range the network was built for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IntensityMappingMethod>))]
public enum IntensityMappingMethod
{
    /// <summary>
    /// Per image: the <see cref="IntensityMapping.LowPercentile"/>th percentile of all samples maps to 0 and the
    /// <see cref="IntensityMapping.HighPercentile"/>th to 255, clipped outside — CellPose's and StarDist's
    /// normalisation (1st–99.8th by default), robust to hot pixels and to a dim dynamic range in a 16-bit container.
    /// </summary>
    Percentile,

    /// <summary>Per image: the smallest sample maps to 0 and the largest to 255.</summary>
    MinMax,

    /// <summary>The same for every image: 0 maps to 0 and <see cref="IntensityMapping.FixedMaximum"/> to 255 (65535: divide by 257).</summary>
    Fixed,
}

/// <summary>
/// The mapping of high-bit-depth intensities (16-bit PNG and TIFF) to the 8-bit range. 8-bit images are never
/// remapped, so their pixels stay exactly what PIL gives. Stored in the model config (<see cref="TransformConfig"/>)
/// so that training and prediction map the same way. The mapped value is
/// <c>floor(clip((v - low) / (high - low), 0, 1) * 255 + 0.5)</c> in double precision (0 when high ≤ low).
/// </summary>
public sealed record IntensityMapping
{
    public IntensityMappingMethod Method { get; init; } = IntensityMappingMethod.Percentile;

    /// <summary>Percentile (0–100, numpy's default linear interpolation) that maps to 0, for <see cref="IntensityMappingMethod.Percentile"/>.</summary>
    public double LowPercentile { get; init; } = 1.0;

    /// <summary>Percentile (0–100) that maps to 255, for <see cref="IntensityMappingMethod.Percentile"/>.</summary>
    public double HighPercentile { get; init; } = 99.8;

    /// <summary>The sample value that maps to 255, for <see cref="IntensityMappingMethod.Fixed"/>.</summary>
    public double FixedMaximum { get; init; } = 65535;

    public static IntensityMapping Default { get; } = new();
}
