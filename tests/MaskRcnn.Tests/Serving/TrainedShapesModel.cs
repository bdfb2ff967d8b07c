using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Serving;

/// <summary>
/// The committed small trained model of the serving load and browser tests, <c>tests/fixtures/serving/shapes_model.safetensors</c>:
/// a narrow ResNet-18-FPN (2.9 MB, its config in the metadata) trained from scratch on synthetic shapes by
/// <c>tests/fixtures/serving/train_shapes_model.sh</c>, which records its accuracy on <see cref="HeldOut"/>: mask AP 0.660,
/// AP50 0.890; box AP 0.694, AP50 0.930.
/// </summary>
public static class TrainedShapesModel
{
    /// <summary>The side of its training images, and of the images its config resizes to.</summary>
    public const int ImageSize = 128;

    public static string WeightsPath => TestPaths.Fixture("serving", "shapes_model.safetensors");

    /// <summary>The script's validation data (seed 1): images the model never trained on (training used seed 0).</summary>
    public static ShapesDataset HeldOut { get; } = new(seed: 1, imageSize: ImageSize);
}
