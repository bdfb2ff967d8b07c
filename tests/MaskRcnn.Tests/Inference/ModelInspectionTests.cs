using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Inference;

public sealed class ModelInspectionTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    static readonly PredictorOptions AllDetections = new() { ScoreThreshold = 0 };

    [Fact]
    public void Anchors_are_each_levels_sizes_and_ratios_on_the_grid_point_nearest_the_location()
    {
        using var predictor = Predictor.Load(files.WeightsPath, options: AllDetections);
        var result = ModelInspection.Run(predictor, TinyPredictorFiles.Scene(1), new InspectionOptions { Location = (41f, 30f) });
        var rpn = TinyPredictorFiles.Config.Rpn;
        // The tiny images are not resized (the shorter side is already MinSize), so image and network pixels agree.
        Assert.Equal((TinyPredictorFiles.Width, TinyPredictorFiles.Height), (result.ResizedWidth, result.ResizedHeight));
        Assert.Equal(rpn.AnchorSizes.Count, result.Anchors.Count);
        foreach (var level in result.Anchors)
        {
            // P2..P5 have strides 4..32; P6 (P5 max-pooled with stride 2) has 2×2 cells on the 128×96 image, so
            // torchvision's integer strides are 128/2 = 64 and 96/2 = 48.
            var (sx, sy) = level.Level < 4 ? (4 << level.Level, 4 << level.Level) : (64, 48);
            Assert.Equal((sx, sy), (level.StrideX, level.StrideY));
            float cx = level.CentreXy[0], cy = level.CentreXy[1];
            Assert.Equal(0, cx % sx);
            Assert.Equal(0, cy % sy);
            Assert.True(Math.Abs(cx - 41) <= sx / 2f && Math.Abs(cy - 30) <= sy / 2f,
                $"level {level.Level}: centre ({cx}, {cy}) is not the grid point nearest to (41, 30)");
            var expected = rpn.AspectRatios[level.Level].SelectMany(r => rpn.AnchorSizes[level.Level].Select(s => (Size: s, Ratio: r))).ToList();
            Assert.Equal(expected.Count, level.Boxes.Length);
            for (int i = 0; i < expected.Count; i++)
            {
                var b = level.Boxes[i];
                float w = b[2] - b[0], h = b[3] - b[1];
                Assert.Equal(cx, (b[0] + b[2]) / 2, 0.5f);
                Assert.Equal(cy, (b[1] + b[3]) / 2, 0.5f);
                // generate_anchors: w = size / sqrt(ratio), h = size · sqrt(ratio), each half rounded to an integer.
                Assert.Equal(expected[i].Size / Math.Sqrt(expected[i].Ratio), w, 1.0);
                Assert.Equal(expected[i].Size * Math.Sqrt(expected[i].Ratio), h, 1.0);
            }
        }
    }

    [Fact]
    public void Proposals_are_the_best_by_objectness_inside_the_image_and_fewer_after_nms()
    {
        using var predictor = Predictor.Load(files.WeightsPath, options: AllDetections);
        var result = ModelInspection.Run(predictor, TinyPredictorFiles.Scene(2), new InspectionOptions { TopProposals = 30 });
        Assert.True(result.ProposalsAfterNms <= result.ProposalsBeforeNms);
        Assert.True(result.ProposalsAfterNms <= TinyPredictorFiles.Config.Rpn.PostNmsTopNTest);
        foreach (var top in new[] { result.TopProposalsBeforeNms, result.TopProposalsAfterNms })
        {
            Assert.Equal(30, top.Count);
            Assert.True(top.Zip(top.Skip(1)).All(p => p.First.Score >= p.Second.Score), "proposals are not sorted by objectness");
            Assert.All(top, p => Assert.True(p.BoxXyxy[0] >= 0 && p.BoxXyxy[1] >= 0 && p.BoxXyxy[2] <= TinyPredictorFiles.Width && p.BoxXyxy[3] <= TinyPredictorFiles.Height));
        }
        // NMS keeps the single best candidate, so both lists start with it.
        Assert.Equal(result.TopProposalsBeforeNms[0].Score, result.TopProposalsAfterNms[0].Score);
    }

    [Fact]
    public void Raw_fpn_masks_are_28_by_28_and_paste_into_the_detections_masks()
    {
        using var predictor = Predictor.Load(files.WeightsPath, options: AllDetections);
        var image = TinyPredictorFiles.Scene(1);
        var result = ModelInspection.Run(predictor, image, new InspectionOptions { MaxMasks = 5 });
        Assert.Equal(28, result.MaskSize);
        Assert.Equal(Math.Min(5, result.Detections.Count), result.MaskProbabilities.Count);
        Assert.True(result.MaskProbabilities.Count > 0, "the seeded model should detect something at threshold 0");
        // The same pass as Predict: same detections, in the same order.
        var predicted = predictor.Predict(image);
        Assert.Equal(predicted.Select(p => p.Score), result.Detections.Select(d => d.Score));
        for (int i = 0; i < result.MaskProbabilities.Count; i++)
        {
            var raw = result.MaskProbabilities[i];
            Assert.Equal(28 * 28, raw.Length);
            Assert.All(raw, v => Assert.InRange(v, 0f, 1f));
            // Pasting the raw mask into the detection's box must give the detection's binary mask.
            using var masks = tensor(raw, [1, 1, 28, 28]);
            using var boxes = tensor(result.Detections[i].BoxXyxy, [1, 4]);
            using var pasted = MaskPaster.PasteMasksInImage(masks, boxes, (image.Height, image.Width));
            using var binary = pasted.gt(0.5).to(ScalarType.Byte).contiguous();
            Assert.Equal(result.Detections[i].Mask, binary.data<byte>().ToArray());
        }
    }

    [Fact]
    public void A_c4_model_has_one_anchor_level_with_every_anchor_and_14_by_14_masks()
    {
        var config = MaskRcnnConfig.ResNet50C4(3) with
        {
            Backbone = new BackboneConfig { Architecture = Architecture.C4, Depth = 18, Width = 8 },
            Transform = new TransformConfig { MinSize = [96], MaxSize = 128 },
            Rpn = MaskRcnnConfig.ResNet50C4().Rpn with { PreNmsTopNTest = 100, PostNmsTopNTest = 50 },
            RoiHeads = new RoiHeadsConfig { MaskDimReduced = 16, DetectionsPerImage = 10 },
        };
        using var model = new MaskRcnnModel(config);
        using (var g = new Generator(7))
        using (no_grad())
            foreach (var p in model.parameters()) p.copy_(randn(p.shape, generator: g) * 0.05);
        using var predictor = new Predictor(model, AllDetections);
        var result = ModelInspection.Run(predictor, TinyPredictorFiles.Scene(1));
        var level = Assert.Single(result.Anchors);
        Assert.Equal(15, level.Boxes.Length);
        Assert.Equal((16, 16), (level.StrideX, level.StrideY));
        Assert.Equal(14, result.MaskSize);
        Assert.True(result.DetectionCount <= 10);
        Assert.NotEmpty(result.MaskProbabilities);
        Assert.All(result.MaskProbabilities, m => Assert.Equal(14 * 14, m.Length));
    }
}
