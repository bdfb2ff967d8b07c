using MaskRcnn.Modeling;
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
    /// <summary>The tiny model with deterministic sampling, the fixture images and targets, and torchvision's numbers.</summary>
    sealed class Case : IDisposable
    {
        public Dictionary<string, Tensor> Expected { get; } = SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_losses.safetensors"));
        readonly Dictionary<string, Tensor> _outputs = TinyModel.Outputs();
        public MaskRcnnModel Model { get; } = TinyModel.Load();
        public List<Tensor> Images { get; }
        public List<TargetSet> Targets { get; }

        public Case()
        {
            Model.UseDeterministicSampling();
            Images = TinyModel.Images(_outputs);
            Targets = Enumerable.Range(0, 2).Select(i => new TargetSet(
                Expected[$"target{i}.boxes"], Expected[$"target{i}.labels"], Expected[$"target{i}.masks"])).ToList();
        }

        public void Dispose()
        {
            Model.Dispose();
            foreach (var t in Expected.Values.Concat(_outputs.Values).Concat(Images)) t.Dispose();
        }
    }

    double RelativeError(Dictionary<string, Tensor> losses, string name, Tensor expected)
    {
        double actual = losses[name].item<float>(), want = expected.item<float>();
        double rel = Math.Abs(actual - want) / Math.Abs(want);
        output.WriteLine($"{name}: {actual:F6} vs torchvision {want:F6} (relative {rel:E2})");
        return rel;
    }

    [Fact]
    public void Losses_match_torchvision_and_backpropagate_to_trainable_weights_only()
    {
        using var c = new Case();
        var losses = c.Model.ComputeLosses(c.Images, c.Targets);
        string[] names = ["loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg", "loss_mask"];
        Assert.Equal(names.Order(), losses.Keys.Order());
        var errors = names.ToDictionary(n => n, n => RelativeError(losses, n, c.Expected[n]));
        // All five agree to ~1e-6 on this fixture. The classifier's cross-entropy is the most sensitive to the
        // float32 noise in the RPN's proposals (sliver boxes differ by up to ~0.01 px): an earlier seed showed
        // 1.3e-4 end to end but an exact match on torchvision's own proposals (next test), so 1e-3 bounds it here.
        foreach (var (name, rel) in errors) Assert.True(rel < (name == "loss_classifier" ? 1e-3 : 1e-4), $"{name}: relative error {rel}");

        using var total = losses.Values.Aggregate((a, b) => a + b);
        total.backward();
        foreach (var (name, p) in c.Model.named_parameters())
        {
            if (p.requires_grad) Assert.True(p.grad is not null, $"{name} got no gradient");
            else Assert.True(p.grad is null, $"frozen {name} got a gradient");
        }
        foreach (var l in losses.Values) l.Dispose();
    }

    [Fact]
    public void Gradients_of_the_summed_losses_match_torchvision()
    {
        using var c = new Case();
        var losses = c.Model.ComputeLosses(c.Images, c.Targets);
        using var total = losses.Values.Aggregate((a, b) => a + b);
        total.backward();
        var parameters = c.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var expected = c.Expected.Where(kv => kv.Key.StartsWith("grad.", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, expected.Count);
        foreach (var (key, want) in expected)
        {
            string name = key["grad.".Length..];
            var got = parameters[name].grad!;
            // Relative to the gradient's norm: a few elements near zero make element-wise ratios meaningless.
            double rel = (got - want).norm().item<float>() / want.norm().item<float>();
            output.WriteLine($"{name}: relative gradient error {rel:E2}");
            Assert.True(rel < 1e-3, $"{name}: relative gradient error {rel}");
        }
        foreach (var l in losses.Values) l.Dispose();
    }

    [Fact]
    public void Roi_head_losses_match_torchvision_on_its_own_proposals()
    {
        using var c = new Case();
        var losses = c.Model.ComputeLossesWithProposals(c.Images, c.Targets, [c.Expected["train_proposals0"], c.Expected["train_proposals1"]]);
        foreach (var name in new[] { "loss_classifier", "loss_box_reg", "loss_mask" })
        {
            double rel = RelativeError(losses, name, c.Expected[$"roi_heads.{name}"]);
            Assert.True(rel < 1e-5, $"{name}: relative error {rel}");
        }
        foreach (var l in losses.Values) l.Dispose();
    }
}
