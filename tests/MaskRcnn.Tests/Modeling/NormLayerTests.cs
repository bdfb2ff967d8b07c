using MaskRcnn.Modeling;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public class NormLayerTests
{
    static MaskRcnnConfig Tiny(NormKind norm) => MaskRcnnConfig.ResNet18Fpn(numClasses: 3) with
    {
        Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16, Norm = norm, TrainableLayers = 5 },
        Transform = new TransformConfig { MinSize = [64], MaxSize = 96 },
    };

    [Fact]
    public void A_from_scratch_BatchNorm_model_trains_its_norms_and_its_weights_load_into_the_frozen_norm_model()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var trained = new MaskRcnnModel(Tiny(NormKind.BatchNorm));
        var norms = trained.named_parameters().Where(p => p.name.Contains(".bn1.")).ToList();
        Assert.NotEmpty(norms);
        Assert.All(norms, p => Assert.True(p.parameter.requires_grad));
        // One training-mode forward moves the running statistics away from their initial 0/1,
        // as BatchNorm2d does and FrozenBatchNorm2d never does.
        var image = rand(3, 64, 64);
        var target = new MaskRcnn.Structures.TargetSet(
            tensor(new float[] { 8, 8, 40, 40 }).reshape(1, 4), tensor(new long[] { 1 }), zeros(new long[] { 1, 64, 64 }, ScalarType.Byte));
        target.Masks[0, 8..40, 8..40].fill_(1);
        var losses = trained.ComputeLosses([image], [target]);
        Assert.All(losses.Values, l => Assert.True(float.IsFinite(l.item<float>())));
        var runningMean = trained.state_dict()["backbone.body.bn1.running_mean"];
        Assert.True(runningMean.abs().sum().item<float>() > 0);

        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bn.safetensors");
        ModelWeights.Save(trained, path);
        using var frozen = new MaskRcnnModel(Tiny(NormKind.FrozenBatchNorm));
        ModelWeights.Load(frozen, path);
        // And back into a BatchNorm2d model, counters included (a resumed from-scratch run).
        using var reloaded = new MaskRcnnModel(Tiny(NormKind.BatchNorm));
        ModelWeights.Load(reloaded, path);
        Assert.Equal(trained.state_dict()["backbone.body.bn1.num_batches_tracked"].item<long>(),
            reloaded.state_dict()["backbone.body.bn1.num_batches_tracked"].item<long>());
        Assert.Equal(1, reloaded.state_dict()["backbone.body.bn1.num_batches_tracked"].item<long>());
        // In eval mode BatchNorm2d uses its running statistics: the same affine map FrozenBatchNorm2d applies.
        trained.eval();
        frozen.eval();
        using var _ = no_grad();
        var x = rand(1, 3, 64, 64);
        var a = trained.named_children().First(c => c.name == "backbone").module;
        var yTrained = ((MaskRcnn.Modeling.Backbone.DetectionBackbone)a).Forward(x);
        var yFrozen = ((MaskRcnn.Modeling.Backbone.DetectionBackbone)frozen.named_children().First(c => c.name == "backbone").module).Forward(x);
        for (int i = 0; i < yTrained.Count; i++)
            Assert.True(allclose(yTrained[i], yFrozen[i], rtol: 1e-4, atol: 1e-5), $"level {i} differs");
    }
}
