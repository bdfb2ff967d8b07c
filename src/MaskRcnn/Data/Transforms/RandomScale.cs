using System.Globalization;
using MaskRcnn.Modeling.Transform;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Scale jitter: resizes so that the short side becomes <c>round(base · f)</c>, f uniform in [<c>Min</c>, <c>Max</c>]
/// (f = 1 when both are 1), where base is the training short side when one is given and the image's own short side
/// otherwise; the long side is capped at <c>round(MaxSize · f)</c> when a cap is given. The resize itself is the model
/// transform's (<see cref="GeneralizedRcnnTransform.Resize"/>: image bilinear, masks nearest); boxes are then the
/// resized masks' tight extents and instances whose mask vanished are dropped (<see cref="InstanceMasks"/>).
/// </summary>
public sealed class RandomScale : ITransform
{
    public double Min { get; }
    public double Max { get; }

    /// <summary>The training short side the factor applies to; null: the image's own short side.</summary>
    public int? ShortSide { get; }

    /// <summary>The long-side cap at f = 1; null: no cap.</summary>
    public int? MaxSize { get; }

    public RandomScale(double min, double max, int? shortSide = null, int? maxSize = null)
    {
        if (!(min > 0) || !(max >= min) || double.IsInfinity(max))
            throw new ArgumentOutOfRangeException(nameof(min), $"scale range {min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)} must satisfy 0 < min <= max");
        if (shortSide is <= 0) throw new ArgumentOutOfRangeException(nameof(shortSide), shortSide, "must be positive");
        if (maxSize is <= 0) throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, "must be positive");
        (Min, Max, ShortSide, MaxSize) = (min, max, shortSide, maxSize);
    }

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        double f = random.NextDouble(Min, Max);
        using (item)
        {
            long h = item.Image.shape[^2], w = item.Image.shape[^1];
            int shortSide = Math.Max(1, (int)Math.Round((ShortSide ?? Math.Min(h, w)) * f));
            int maxSize = MaxSize is int m ? Math.Max(shortSide, (int)Math.Round(m * f)) : int.MaxValue / 2;
            return Resize(item, shortSide, maxSize);
        }
    }

    /// <summary>The copy of <paramref name="item"/> (left untouched) resized to <paramref name="shortSide"/> (long side at most <paramref name="maxSize"/>).</summary>
    public static DatasetItem Resize(DatasetItem item, int shortSide, int maxSize)
    {
        var (image, resized) = GeneralizedRcnnTransform.Resize(item.Image, item.Target, shortSide, maxSize);
        using (resized!.Boxes)
        using (resized.Labels)
        {
            return new DatasetItem(image, InstanceMasks.ToTargets(resized.Masks, resized.Labels, 1), item.ImageId);
        }
    }
}
