using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Transform;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Inference;

/// <summary>
/// Runs a model once on an image and keeps what each stage saw, as the Mask R-CNN lecture's figures and
/// Matterport's inspection notebooks show it: the anchors at one location, the RPN's best proposals before and
/// after NMS, the detections, and the mask head's raw M×M probabilities per detection. The pass is the ordinary
/// inference pass (same numbers as <see cref="Predictor.Predict(RgbImage)"/>); everything is mapped back to the
/// original image's pixels.
/// </summary>
public static class ModelInspection
{
    /// <summary>Inspects <paramref name="model"/> (not disposed), keeping every detection it returns (a default <see cref="Predictor"/>: score threshold 0).</summary>
    public static InspectionResult Run(MaskRcnnModel model, RgbImage image, InspectionOptions? options = null)
    {
        using var predictor = new Predictor(model);
        return Run(predictor, image, options);
    }

    /// <summary>Inspects the predictor's model; detections are the predictor's (its score threshold and class names).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The location lies outside the image, or a count is not positive.</exception>
    public static InspectionResult Run(Predictor predictor, RgbImage image, InspectionOptions? options = null)
    {
        options ??= new InspectionOptions();
        if (options.TopProposals < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.TopProposals, "TopProposals must be at least 1");
        if (options.MaxMasks < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxMasks, "MaxMasks must not be negative");
        var (x, y) = options.Location ?? (image.Width / 2f, image.Height / 2f);
        if (!(x >= 0 && x <= image.Width && y >= 0 && y <= image.Height))
            throw new ArgumentOutOfRangeException(nameof(options), $"the location ({x}, {y}) is outside the {image.Width}×{image.Height} image");

        using var scope = NewDisposeScope();
        var input = ImageIo.ToTensor(image).to(predictor.Device);
        using var trace = predictor.Model.PredictWithTrace([input]);
        var detection = trace.Detections[0];
        var original = ((long)image.Height, (long)image.Width);
        var resized = trace.Images.ImageSizes[0];
        var rpn = trace.Rpn;
        var instances = predictor.ToInstances(detection, out var kept);
        var probabilities = trace.RoiDetections[0].MaskProbabilities;
        var masks = kept.Take(options.MaxMasks).Select(i => probabilities[i, 0].cpu().contiguous().data<float>().ToArray()).ToList();
        return new InspectionResult(
            image.Width, image.Height, (int)resized.Width, (int)resized.Height, [x, y],
            AnchorsAt(predictor.Model, trace, x, y, original),
            (int)rpn.PreNmsScores![0].shape[0], TopScored(rpn.PreNmsProposals![0], rpn.PreNmsScores[0], options.TopProposals, resized, original),
            (int)rpn.Scores[0].shape[0], TopScored(rpn.Proposals[0], rpn.Scores[0], options.TopProposals, resized, original),
            (int)detection.Count, instances,
            (int)probabilities.shape[^1], masks);
    }

    static List<AnchorLevel> AnchorsAt(MaskRcnnModel model, InferenceTrace trace, float x, float y, (long Height, long Width) original)
    {
        var generator = model.RpnModule.Anchors;
        var resized = trace.Images.ImageSizes[0];
        long paddedH = trace.Images.Tensors.shape[2], paddedW = trace.Images.Tensors.shape[3];
        // The location in the resized image, where the network's anchors live.
        double rx = x * (double)resized.Width / original.Width, ry = y * (double)resized.Height / original.Height;
        var levels = new List<AnchorLevel>(generator.NumLevels);
        for (int level = 0; level < generator.NumLevels; level++)
        {
            long gridH = trace.Features[level].shape[2], gridW = trace.Features[level].shape[3];
            // As torchvision's AnchorGenerator: stride = padded size // feature size, a cell's anchors centred on (col·stride, row·stride).
            int strideY = (int)(paddedH / gridH), strideX = (int)(paddedW / gridW);
            long col = Math.Clamp((long)Math.Round(rx / strideX), 0, gridW - 1);
            long row = Math.Clamp((long)Math.Round(ry / strideY), 0, gridH - 1);
            float cx = col * strideX, cy = row * strideY;
            using var cell = generator.CellAnchors(level);
            using var shift = tensor(new[] { cx, cy, cx, cy });
            using var shifted = cell + shift;
            using var boxes = GeneralizedRcnnTransform.ResizeBoxes(shifted, resized, original);
            using var centre = GeneralizedRcnnTransform.ResizeBoxes(tensor(new[] { cx, cy, cx, cy }).view(1, 4), resized, original);
            var rpnConfig = model.Config.Rpn;
            levels.Add(new AnchorLevel(level, strideX, strideY, rpnConfig.AnchorSizes[level].ToArray(), rpnConfig.AspectRatios[level].ToArray(),
                centre.cpu().data<float>().ToArray()[..2], Rows(boxes)));
        }
        return levels;
    }

    /// <summary>The <paramref name="top"/> best boxes by score (stable on ties), mapped to the original image.</summary>
    static List<ScoredBox> TopScored(Tensor boxes, Tensor scores, int top, (long Height, long Width) resized, (long Height, long Width) original)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = scores.sort(dim: 0, descending: true, stable: true);
        long n = Math.Min(top, sorted.shape[0]);
        var picked = GeneralizedRcnnTransform.ResizeBoxes(boxes.index_select(0, order[..(int)n]), resized, original);
        var values = sorted[..(int)n].cpu().data<float>().ToArray();
        return Rows(picked).Select((b, i) => new ScoredBox(b, values[i])).ToList();
    }

    static float[][] Rows(Tensor boxes)
    {
        var flat = boxes.cpu().contiguous().data<float>().ToArray();
        return Enumerable.Range(0, flat.Length / 4).Select(i => flat.AsSpan(4 * i, 4).ToArray()).ToArray();
    }
}
