using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public sealed class InferencePreparationTests
{
    [Fact]
    public void Folding_reaches_every_frozen_norm_of_a_resnet_50_including_the_shortcuts()
    {
        using var model = new MaskRcnnModel(MaskRcnnConfig.ForArchitecture("r50-fpn", numClasses: 3, fromScratch: false));
        int frozen = model.modules().OfType<FrozenBatchNorm2d>().Count();

        model.PrepareForInference(foldBatchNorm: true, ComputePrecision.Fp32);

        // ResNet-50: the stem's norm, 3 per bottleneck × 16 bottlenecks, one per stage's projection shortcut × 4.
        Assert.Equal(1 + 3 * 16 + 4, frozen);
        Assert.All(model.modules().OfType<FrozenBatchNorm2d>(), bn => Assert.True(bn.IsFolded));
        Assert.True(model.IsPreparedForInference);
        Assert.Equal(frozen, model.FoldedBatchNorms);
    }

    [Fact]
    public void A_prepared_model_refuses_to_save_or_train_because_its_weights_are_no_longer_torchvisions()
    {
        using var model = TinyModel.Load();
        model.PrepareForInference(foldBatchNorm: true, ComputePrecision.Fp32);
        string path = Path.Combine(Path.GetTempPath(), $"prepared-{Guid.NewGuid():N}.safetensors");

        var save = Assert.Throws<InvalidOperationException>(() => ModelWeights.Save(model, path));
        Assert.Contains("prepared for inference", save.Message);
        Assert.False(File.Exists(path));

        using var scope = NewDisposeScope();
        var image = rand(3, 64, 64);
        var target = new TargetSet(tensor(new float[,] { { 4, 4, 30, 30 } }), tensor(new long[] { 1 }), zeros(1, 64, 64, dtype: ScalarType.Byte));
        Assert.Throws<InvalidOperationException>(() => model.ComputeLosses([image], [target]));
    }

    [Fact]
    public void Trainable_batch_norm_is_left_alone_and_the_model_stays_saveable()
    {
        using var model = new MaskRcnnModel(MaskRcnnConfig.ForArchitecture("r18-fpn", numClasses: 3, fromScratch: true));

        model.PrepareForInference(foldBatchNorm: true, ComputePrecision.Fp32);

        Assert.False(model.IsPreparedForInference);
        Assert.Empty(model.modules().OfType<FrozenBatchNorm2d>());
    }
}
