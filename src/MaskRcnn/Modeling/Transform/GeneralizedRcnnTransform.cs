using MaskRcnn.Ops;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Transform;

/// <summary>
/// torchvision's GeneralizedRCNNTransform: normalise each image, resize it so its shorter side reaches the
/// minimum size unless its longer side would exceed the maximum, batch into a zero-padded tensor whose sides
/// are multiples of 32, and afterwards map detections back to the original image size. It has no weights.
/// </summary>
public sealed class GeneralizedRcnnTransform
{
    readonly TransformConfig _config;
    readonly float[] _mean;
    readonly float[] _std;

    public GeneralizedRcnnTransform(TransformConfig config)
    {
        _config = config;
        _mean = config.ImageMean.Select(v => (float)v).ToArray();
        _std = config.ImageStd.Select(v => (float)v).ToArray();
    }

    /// <summary>
    /// Normalises, resizes and batches images (and scales their targets along). In training the shorter-side
    /// target is drawn from <see cref="TransformConfig.MinSize"/> with <paramref name="random"/> (required when there are
    /// several: a run's sizes must come from its own seeded stream to repeat on resume); otherwise the last is used.
    /// The returned targets are new tensors; the inputs are left untouched.
    /// </summary>
    public (ImageList Images, IReadOnlyList<TargetSet>? Targets) Forward(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet>? targets, bool training, Random? random = null)
    {
        if (targets is not null && targets.Count != images.Count)
            throw new ArgumentException($"{images.Count} images but {targets.Count} targets");
        if (training && _config.MinSize.Count > 1 && random is null)
            throw new ArgumentException($"training with {_config.MinSize.Count} MinSize values needs a seeded Random to choose among them (pass the run's)");
        var resized = new List<Tensor>(images.Count);
        var newTargets = targets is null ? null : new List<TargetSet>(images.Count);
        try
        {
            for (int i = 0; i < images.Count; i++)
            {
                var image = images[i];
                if (image.dim() != 3 || image.shape[0] != _mean.Length)
                    throw new ArgumentException($"image {i}: expected a [{_mean.Length},H,W] tensor, got [{string.Join(",", image.shape)}]");
                int minSize = training
                    ? _config.MinSize[_config.MinSize.Count == 1 ? 0 : random!.Next(_config.MinSize.Count)]
                    : _config.MinSize[^1];
                using var normalized = Normalize(image);
                // With an augmentation pipeline the data arrive at the training scale already (TransformConfig.Augmentation).
                var (img, target) = training && _config.Augmentation is not null
                    ? (normalized.alias(), targets?[i] is { } t ? new TargetSet(t.Boxes.clone(), t.Labels.clone(), t.Masks.clone()) : null)
                    : Resize(normalized, targets?[i], minSize, _config.MaxSize);
                resized.Add(img);
                if (target is not null) newTargets!.Add(target);
            }
            return (ImageList.FromTensors(resized, _config.SizeDivisible), newTargets);
        }
        catch
        {
            if (newTargets is not null) foreach (var t in newTargets) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in resized) t.Dispose();
        }
    }

    public Tensor Normalize(Tensor image)
    {
        if (!image.is_floating_point())
            throw new ArgumentException($"images must be floating point in 0..1, got {image.dtype}");
        using var mean = tensor(_mean, image.dtype, image.device).view(-1, 1, 1);
        using var std = tensor(_std, image.dtype, image.device).view(-1, 1, 1);
        using var centered = image - mean;
        return centered / std;
    }

    /// <summary>
    /// The size torchvision's <c>_resize_image_and_masks</c> produces: scale = min(min/short, max/long) computed
    /// in float32 on the shape tensor, then F.interpolate's floor(side · scale) in double. torch evaluates
    /// <c>float / tensor</c> as <c>tensor.reciprocal() * float</c>, so 320/100 is 3.1999998, not 3.2000000477,
    /// and a 150×100 image becomes 479×319; the same two roundings are made here.
    /// </summary>
    public static (long Height, long Width) ResizedSize(long height, long width, int minSize, int maxSize)
    {
        float shortSide = Math.Min(height, width), longSide = Math.Max(height, width);
        float scale = MathF.Min(minSize * (1f / shortSide), maxSize * (1f / longSide));
        return ((long)Math.Floor(height * (double)scale), (long)Math.Floor(width * (double)scale));
    }

    /// <summary>Bilinearly resizes a [C,H,W] image (align_corners=False); boxes scale along, masks go nearest-neighbour.</summary>
    public static (Tensor Image, TargetSet? Target) Resize(Tensor image, TargetSet? target, int minSize, int maxSize)
    {
        long h = image.shape[1], w = image.shape[2];
        var (oh, ow) = ResizedSize(h, w, minSize, maxSize);
        using var batched = image.unsqueeze(0);
        using var interpolated = nn.functional.interpolate(batched, size: [oh, ow], mode: InterpolationMode.Bilinear, align_corners: false);
        var resized = interpolated[0];
        if (target is null) return (resized, null);

        var boxes = ResizeBoxes(target.Boxes, (h, w), (oh, ow));
        Tensor masks;
        if (target.Masks.shape[0] == 0)
        {
            masks = zeros([0, oh, ow], ScalarType.Byte, target.Masks.device);
        }
        else
        {
            // torchvision interpolates mask[:, None].float(); nearest neighbour only copies pixels, so resizing the
            // uint8 masks themselves gives the same bytes without a float copy of every instance (4 GB for 1,000 at 1000×1000).
            using var m = target.Masks.unsqueeze(1);
            using var mr = nn.functional.interpolate(m, size: [oh, ow], mode: InterpolationMode.Nearest);
            masks = mr.squeeze(1).to_type(ScalarType.Byte);
        }
        return (resized, new TargetSet(boxes, target.Labels.clone(), masks));
    }

    /// <summary>
    /// torchvision's <c>GeneralizedRCNNTransform.postprocess</c>: boxes scaled from each <see cref="RoiDetections"/>'
    /// resized frame back to the original image and the M×M mask probabilities pasted into it (each over its box).
    /// The inputs stay the caller's; the results share no tensor with them.
    /// </summary>
    public static List<Detections> Postprocess(IReadOnlyList<RoiDetections> detections, IReadOnlyList<(long Height, long Width)> originalSizes)
    {
        if (detections.Count != originalSizes.Count)
            throw new ArgumentException($"{detections.Count} detection sets but {originalSizes.Count} original sizes");
        // Every image's tensor work first, then the pastes: these allocate managed crops, which can end the pass's
        // GcPause early, and no libtorch call with an implicit scalar should follow that (Runtime/GcPause.cs).
        var tensors = detections.Zip(originalSizes).Select(p => (Boxes: ResizeBoxes(p.First.Boxes, p.First.ImageSize, p.Second),
            Scores: p.First.Scores.clone(), Labels: p.First.Labels.clone())).ToList();
        var results = new List<Detections>(detections.Count);
        for (int i = 0; i < detections.Count; i++)
        {
            var masks = MaskPaster.Paste(detections[i].MaskProbabilities, tensors[i].Boxes, originalSizes[i], padding: 1);
            results.Add(new Detections(tensors[i].Boxes, tensors[i].Scores, tensors[i].Labels, masks, originalSizes[i]));
        }
        return results;
    }

    /// <summary>torchvision's <c>resize_boxes</c>: per-axis ratios new/old, computed in float32.</summary>
    public static Tensor ResizeBoxes(Tensor boxes, (long Height, long Width) from, (long Height, long Width) to)
    {
        float ratioH = (float)to.Height / from.Height, ratioW = (float)to.Width / from.Width;
        using var scale = tensor(new[] { ratioW, ratioH, ratioW, ratioH }, boxes.dtype, boxes.device);
        return boxes * scale;
    }
}
