using MaskRcnn.Modeling;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>
/// The reduced-width model against torchvision 0.14 on the same weights and images
/// (tests/fixtures/model/gen_model_fixtures.py): every stage from the resized batch to the pasted masks. The
/// stages after the backbone are checked twice: as loaded, and with the frozen norms folded into the convolutions
/// (what <see cref="Inference.Predictor.Load"/> runs), which must reproduce torchvision just as well.
/// </summary>
public sealed class TinyModelParityTests : IClassFixture<TinyModelParityTests.Run>
{
    /// <summary>One traced forward pass shared by the tests of this class.</summary>
    public sealed class Run : IDisposable
    {
        public Dictionary<string, Tensor> Expected { get; } = TinyModel.Outputs();
        internal InferenceTrace Trace { get; }
        internal InferenceTrace FoldedTrace { get; }
        internal MaskRcnnModel Model { get; } = TinyModel.Load();

        public Run()
        {
            var images = TinyModel.Images(Expected);
            Trace = Model.PredictWithTrace(images);
            using (var folded = TinyModel.Load())
            {
                folded.PrepareForInference(foldBatchNorm: true, MaskRcnn.Runtime.ComputePrecision.Fp32);
                FoldedTrace = folded.PredictWithTrace(images);
            }
            foreach (var im in images) im.Dispose();
        }

        internal InferenceTrace TraceOf(bool folded) => folded ? FoldedTrace : Trace;

        public void Dispose()
        {
            Model.Dispose();
            Trace.Dispose();
            FoldedTrace.Dispose();
            foreach (var t in Expected.Values) t.Dispose();
        }
    }

    readonly Run _run;
    readonly ITestOutputHelper _out;

    public TinyModelParityTests(Run run, ITestOutputHelper output)
    {
        _run = run;
        _out = output;
    }

    Tensor E(string key) => _run.Expected[key];

    [Fact]
    public void Transform_resizes_normalizes_and_pads_like_torchvision()
    {
        var sizes = E("image_sizes").data<long>().ToArray();
        Assert.Equal([(sizes[0], sizes[1]), (sizes[2], sizes[3])], _run.Trace.Images.ImageSizes);
        using var sub = _run.Trace.Images.Tensors[.., .., TensorIndex.Slice(null, null, 8), TensorIndex.Slice(null, null, 8)];
        double err = ParityAssert.RelativeError(sub, E("batch_subsampled"));
        _out.WriteLine($"batch relative error {err:E2}");
        Assert.True(err < 1e-5, $"resized batch differs: {err}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backbone_and_fpn_features_match_within_1e_4_relative(bool folded)
    {
        string[] body = ["1", "2", "3"];
        foreach (var k in body)
        {
            using var actual = _run.TraceOf(folded).Body[int.Parse(k)][.., ..2];
            double err = ParityAssert.RelativeError(actual, E($"body.{k}"));
            _out.WriteLine($"body.{k}: {err:E2}");
            Assert.True(err < 1e-4, $"body.{k} relative error {err}");
        }
        string[] fpn = ["0", "1", "2", "3", "pool"];
        for (int i = 0; i < fpn.Length; i++)
        {
            using var actual = _run.TraceOf(folded).Features[i][.., ..2];
            double err = ParityAssert.RelativeError(actual, E($"fpn.{fpn[i]}"));
            _out.WriteLine($"fpn.{fpn[i]}: {err:E2}");
            Assert.True(err < 1e-4, $"fpn.{fpn[i]} relative error {err}");
        }
    }

    [Fact]
    public void Plain_BatchNorm2d_weights_give_torchvision_BatchNorm2d_outputs()
    {
        // The weights file is a BatchNorm2d model's state_dict (num_batches_tracked included); bn_fpn.* are that
        // BatchNorm2d model's own eval-mode outputs, so the frozen-norm model must reproduce them.
        string[] fpn = ["1", "2", "3", "pool"];
        foreach (var k in fpn)
        {
            int i = k == "pool" ? 4 : int.Parse(k);
            using var actual = _run.Trace.Features[i][.., ..2];
            double err = ParityAssert.RelativeError(actual, E($"bn_fpn.{k}"));
            _out.WriteLine($"bn_fpn.{k}: {err:E2}");
            Assert.True(err < 1e-4, $"bn_fpn.{k} relative error {err}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rpn_proposals_match_one_to_one(bool folded)
    {
        for (int i = 0; i < 2; i++)
        {
            var expected = E($"proposals{i}");
            var actual = _run.TraceOf(folded).Rpn.Proposals[i];
            Assert.Equal(expected.shape[0], actual.shape[0]);
            var match = ParityAssert.MatchBoxes(expected, actual, 0.999, 0.02);
            int inOrder = match.Where((m, j) => m == j).Count();
            double worst = ParityAssert.MaxCoordinateDifference(expected, actual, match);
            _out.WriteLine($"image {i}: {expected.shape[0]} proposals, {inOrder} at the same rank, worst coordinate difference {worst:E2} px");
            Assert.DoesNotContain(-1, match);
        }
    }

    [Fact]
    public void Box_head_outputs_match_on_torchvision_proposals()
    {
        // Fed torchvision's own proposals, so that the box head is compared on identical RoIs.
        var proposals = new[] { E("proposals0"), E("proposals1") };
        var roiFeatures = _run.Trace.Features.Take(4).ToList();
        var (logits, deltas) = _run.Model.RoiHeadsModule.BoxPredictions(roiFeatures, proposals, _run.Trace.Images.ImageSizes);
        using (logits)
        using (deltas)
        {
            double logitErr = ParityAssert.RelativeError(logits, E("class_logits"));
            double deltaErr = ParityAssert.RelativeError(deltas, E("box_regression"));
            _out.WriteLine($"class logits {logitErr:E2}, box regression {deltaErr:E2}");
            Assert.True(logitErr < 1e-4, $"class logits relative error {logitErr}");
            Assert.True(deltaErr < 1e-4, $"box regression relative error {deltaErr}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Detections_and_masks_match_one_to_one(bool folded)
    {
        for (int i = 0; i < 2; i++)
        {
            var d = _run.TraceOf(folded).Detections[i];
            var boxes = E($"det{i}.boxes");
            var scores = E($"det{i}.scores").data<float>().ToArray();
            var labels = E($"det{i}.labels");
            Assert.Equal(boxes.shape[0], d.Count);
            var match = ParityAssert.MatchBoxes(boxes, d.Boxes, 0.999, 0.02, labels, d.Labels);
            Assert.DoesNotContain(-1, match);
            var actualScores = d.Scores.data<float>().ToArray();
            double worstScore = match.Select((m, j) => Math.Abs(actualScores[m] - scores[j])).Max();

            using var masks = d.Masks.ToTensor(); // torchvision's full-frame form, rebuilt from the crops
            long h = masks.shape[2], w = masks.shape[3];
            var packed = E($"det{i}.masks_packed").data<byte>().ToArray();
            using var binary = (masks > 0.5f).to_type(ScalarType.Byte);
            var actualBits = binary.data<byte>().ToArray();
            var probs = masks.data<float>().ToArray();
            double worstMaskIou = 1;
            for (int j = 0; j < match.Length; j++)
            {
                long inter = 0, union = 0;
                long baseE = (long)j * h * w, baseA = (long)match[j] * h * w;
                for (long p = 0; p < h * w; p++)
                {
                    long bit = baseE + p;
                    bool e = (packed[bit >> 3] >> (7 - (int)(bit & 7)) & 1) == 1; // numpy.packbits: big-endian bits
                    bool a = actualBits[baseA + p] == 1;
                    // Saturated masks pasted next to their zero padding give pixels of exactly 0.5 ± 1 ulp, where
                    // "> 0.5" is decided by rounding noise; those carry no information about parity.
                    if (Math.Abs(probs[baseA + p] - 0.5f) < 1e-4f) continue;
                    if (e && a) inter++;
                    if (e || a) union++;
                }
                double maskIou = union == 0 ? 1 : (double)inter / union;
                if (maskIou < 0.99) _out.WriteLine($"  detection {j}: mask IoU {maskIou:F4}, {inter}/{union} px, box [{string.Join(",", boxes[j].data<float>().ToArray())}]");
                worstMaskIou = Math.Min(worstMaskIou, maskIou);
            }
            _out.WriteLine($"image {i}: {d.Count} detections, worst |dscore| {worstScore:E2}, worst mask IoU {worstMaskIou:F4}");
            Assert.True(worstScore <= 1e-4, $"score difference {worstScore}");
            Assert.True(worstMaskIou >= 0.99, $"mask IoU {worstMaskIou}");
        }
    }
}
