using MaskRcnn.Structures;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>
/// The five training losses against torchvision 0.14 on the tiny model, same weights, images and targets, with
/// both sides' samplers taking the first examples in index order (tests/fixtures/model/gen_loss_fixtures.py).
/// </summary>
public sealed class TrainingLossParityTests(ITestOutputHelper output)
{
    [Fact]
    public void Losses_match_torchvision_and_backpropagate_to_trainable_weights_only()
    {
        var expected = SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_losses.safetensors"));
        var outputs = TinyModel.Outputs();
        using var model = TinyModel.Load();
        model.UseDeterministicSampling();
        var images = TinyModel.Images(outputs);
        var targets = Enumerable.Range(0, 2).Select(i => new TargetSet(
            expected[$"target{i}.boxes"], expected[$"target{i}.labels"], expected[$"target{i}.masks"])).ToList();
        try
        {
            var losses = model.ComputeLosses(images, targets);
            string[] names = ["loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg", "loss_mask"];
            Assert.Equal(names.Order(), losses.Keys.Order());
            var errors = new Dictionary<string, double>();
            foreach (var name in names)
            {
                double actual = losses[name].item<float>(), want = expected[name].item<float>();
                errors[name] = Math.Abs(actual - want) / Math.Abs(want);
                output.WriteLine($"{name}: {actual:F6} vs torchvision {want:F6} (relative {errors[name]:E2})");
            }
            // The RPN losses and the box-regression and mask losses agree to ~1e-6. The classifier's cross-entropy
            // is the most sensitive to the float32 noise in the RPN's proposals (sliver boxes differ by up to
            // ~0.01 px); on torchvision's own proposals it agrees to 1e-5 (next test), so 1e-3 bounds it here.
            foreach (var (name, rel) in errors) Assert.True(rel < (name == "loss_classifier" ? 1e-3 : 1e-4), $"{name}: relative error {rel}");
            using var total = losses.Values.Aggregate((a, b) => a + b);
            total.backward();
            foreach (var (name, p) in model.named_parameters())
            {
                if (p.requires_grad) Assert.True(p.grad is not null, $"{name} got no gradient");
                else Assert.True(p.grad is null, $"frozen {name} got a gradient");
            }
            foreach (var l in losses.Values) l.Dispose();
        }
        finally
        {
            foreach (var t in expected.Values.Concat(outputs.Values).Concat(images)) t.Dispose();
        }
    }

    [Fact]
    public void Roi_head_losses_match_torchvision_on_its_own_proposals()
    {
        var expected = SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_losses.safetensors"));
        var outputs = TinyModel.Outputs();
        using var model = TinyModel.Load();
        model.UseDeterministicSampling();
        var images = TinyModel.Images(outputs);
        var targets = Enumerable.Range(0, 2).Select(i => new TargetSet(
            expected[$"target{i}.boxes"], expected[$"target{i}.labels"], expected[$"target{i}.masks"])).ToList();
        try
        {
            var losses = model.ComputeLossesWithProposals(images, targets, [expected["train_proposals0"], expected["train_proposals1"]]);
            foreach (var name in new[] { "loss_classifier", "loss_box_reg", "loss_mask" })
            {
                double actual = losses[name].item<float>(), want = expected[$"roi_heads.{name}"].item<float>();
                double rel = Math.Abs(actual - want) / Math.Abs(want);
                output.WriteLine($"{name}: {actual:F6} vs torchvision {want:F6} (relative {rel:E2})");
                Assert.True(rel < 1e-5, $"{name}: relative error {rel}");
            }
            foreach (var l in losses.Values) l.Dispose();
        }
        finally
        {
            foreach (var t in expected.Values.Concat(outputs.Values).Concat(images)) t.Dispose();
        }
    }
}
