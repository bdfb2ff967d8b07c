using MaskRcnn.Inference;
using Xunit.Abstractions;

namespace MaskRcnn.Tests.Serving;

/// <summary>The serving tests' trained fixture model finds the shapes in held-out images (against the generator's ground truth).</summary>
public sealed class TrainedShapesModelTests(ITestOutputHelper output)
{
    [Fact]
    public void Finds_nine_in_ten_held_out_shapes_with_the_right_class_and_few_extra_boxes_at_score_0_5()
    {
        using var predictor = Predictor.Load(TrainedShapesModel.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0.5f });
        int shapes = 0, found = 0, detections = 0;
        for (int i = 0; i < 20; i++)
        {
            var sample = TrainedShapesModel.HeldOut.Sample(i);
            var predicted = predictor.Predict(sample.Image);
            shapes += sample.Instances.Count;
            detections += predicted.Count;
            found += sample.Instances.Count(s => predicted.Any(p => p.CategoryId == (long)s.Kind && MaskIou(p.Mask, s.VisibleMask) >= 0.5));
        }
        output.WriteLine($"20 held-out images: {found} of {shapes} shapes found with the right class (mask IoU >= 0.5); {detections} detections at score >= 0.5");
        // train_shapes_model.sh measured 224 of 248 (90 %, by box IoU) and 1.26 detections per shape on all 100 held-out images; the first 20 here: 52 of 55 and 1.24.
        Assert.True(found >= 0.8 * shapes, $"{found} of {shapes} shapes found");
        Assert.True(detections <= 1.5 * shapes, $"{detections} detections for {shapes} shapes");
    }

    static double MaskIou(byte[] a, byte[] b)
    {
        int inter = 0, union = 0;
        for (int p = 0; p < a.Length; p++)
        {
            inter += a[p] & b[p];
            union += a[p] | b[p];
        }
        return union == 0 ? 0 : (double)inter / union;
    }
}
