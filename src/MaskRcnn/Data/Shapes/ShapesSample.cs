using MaskRcnn.Data.Images;

namespace MaskRcnn.Data.Shapes;

/// <summary>A generated image and its instances, in drawing order (later ones are on top).</summary>
public sealed record ShapesSample(RgbImage Image, IReadOnlyList<ShapeInstance> Instances);
