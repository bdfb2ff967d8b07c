using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Photometric jitter of the image alone (targets untouched), as torchvision's <c>adjust_brightness</c>,
/// <c>adjust_contrast</c> and <c>adjust_gamma</c> compute them on a float image in [0, 1], each result clamped to
/// [0, 1]: brightness multiplies by b, contrast blends with the mean of the ITU-R 601 grey image
/// (c·x + (1 − c)·mean), gamma raises to the power g. b and c are uniform in [1 − s, 1 + s], g log-uniform in
/// [1/(1 + s), 1 + s] (s = <c>Strength</c>, default 0.2: staining and exposure differ by about that much between
/// microscopy slides). All three factors are always drawn, in that order.
/// </summary>
public sealed class ColorJitter : ITransform
{
    public const double DefaultStrength = 0.2;

    public double Strength { get; }

    public ColorJitter(double strength = DefaultStrength)
    {
        if (!(strength >= 0 && strength < 1)) throw new ArgumentOutOfRangeException(nameof(strength), strength, "must be in [0, 1)");
        Strength = strength;
    }

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        double brightness = random.NextDouble(1 - Strength, 1 + Strength);
        double contrast = random.NextDouble(1 - Strength, 1 + Strength);
        double gamma = Math.Exp(random.NextDouble(-Math.Log(1 + Strength), Math.Log(1 + Strength)));
        using (item.Image)
        {
            return item with { Image = Adjust(item.Image, brightness, contrast, gamma) };
        }
    }

    /// <summary>The adjusted copy of a [3,H,W] image in [0, 1] (left untouched).</summary>
    public static Tensor Adjust(Tensor image, double brightness, double contrast, double gamma)
    {
        using var scope = NewDisposeScope();
        var x = (image * brightness).clamp_(0, 1);
        var grey = x[0] * 0.299 + x[1] * 0.587 + x[2] * 0.114;
        var mean = grey.mean();
        x = (x * contrast + mean * (1 - contrast)).clamp_(0, 1);
        return x.pow(gamma).clamp_(0, 1).MoveToOuterDisposeScope();
    }
}
