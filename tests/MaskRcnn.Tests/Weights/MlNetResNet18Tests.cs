using Google.Protobuf;
using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.Transform;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Weights;

/// <summary>
/// ML.NET's ImageNet ResNet-18 (NuGet, CNTK 2.6 export) read into our body, against ONNX Runtime running the
/// package's own graphs on a real photo.
/// </summary>
public sealed class MlNetResNet18Tests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    [Fact]
    public void Body_equals_onnx_runtime_at_224_with_the_packages_preprocessing()
    {
        if (Package() is not { } files) return;
        using var pretrained = PretrainedBackbone.Resolve(files.Model);
        using var body = BuildBody(pretrained);
        using var rgb01 = Photo(224, 224);

        // ORT: the package's two graphs as ML.NET chains them (RGB 0–255 → BGR − mean image → ResNet18).
        using var rgb255 = rgb01 * 255f;
        float[] prepared;
        using (var prep = new InferenceSession(files.Preprocess))
        using (var results = prep.Run([NamedOnnxValue.CreateFromTensor("OriginalInput", ToOrt(rgb255))]))
            prepared = results.First().AsTensor<float>().ToArray();
        var (ortC5, ortPool) = RunOrt(files.Model, prepared, 224, 224);

        // Ours on the same pixels minus the same mean image (in RGB order: conv1 was permuted at load).
        using var meanImage = OnnxResNetWeights.ReadMeanImage(files.Preprocess);
        using var meanRgb = meanImage.flip(0);
        using var _ = no_grad();
        using var exact = (rgb255 - meanRgb).unsqueeze(0);
        var (c5, pool) = C5AndPool(body, exact);
        double errC5 = ParityAssert.RelativeError(c5, ortC5), errPool = ParityAssert.RelativeError(pool, ortPool);
        output.WriteLine($"224x224, mean image: C5 {errC5:E2}, global average pool {errPool:E2} (relative)");

        // As the detector normalises: the per-channel mean (TransformConfig) instead of the 224×224 mean image.
        var config = pretrained.Configure(MaskRcnnConfig.ResNet18Fpn(2));
        using var perChannel = new GeneralizedRcnnTransform(config.Transform).Normalize(rgb01).unsqueeze(0);
        var (c5Channel, poolChannel) = C5AndPool(body, perChannel);
        using var deviation = meanImage - meanImage.mean([1, 2], keepdim: true);
        output.WriteLine($"mean image − its channel means: max |.| {deviation.abs().max().item<float>():F2}, rms {deviation.square().mean().sqrt().item<float>():F2} (0–255 scale); "
            + $"C5 with channel means vs ORT {ParityAssert.RelativeError(c5Channel, ortC5):E2}, pool {ParityAssert.RelativeError(poolChannel, ortPool):E2}");
        foreach (var t in new[] { c5, pool, c5Channel, poolChannel, ortC5, ortPool }) t.Dispose();

        Assert.True(errC5 < Tolerance, $"C5 relative error {errC5}");
        Assert.True(errPool < Tolerance, $"pool relative error {errPool}");
    }

    [Fact]
    public void Body_equals_onnx_runtime_at_800x1088_through_the_detectors_normalisation()
    {
        if (Package() is not { } files) return;
        using var pretrained = PretrainedBackbone.Resolve(files.Model);
        using var body = BuildBody(pretrained);
        using var rgb01 = Photo(800, 1088);
        var config = pretrained.Configure(MaskRcnnConfig.ResNet18Fpn(2));

        // ORT: the network on BGR 0–255 minus the channel means. The package's preprocessing graph cannot run
        // here: its mean image is fixed at 224×224 (ML.NET resizes every image to 224 first).
        var (order, means) = OnnxResNetWeights.ReadPreprocessing(files.Preprocess);
        using var bgr = stack(order.Select(c => rgb01[c] * 255f - (float)means[c]).ToArray()).unsqueeze(0);
        var (ortC5, ortPool) = RunOrt(files.Model, bgr.contiguous().data<float>().ToArray(), 800, 1088);

        using var _ = no_grad();
        using var normalized = new GeneralizedRcnnTransform(config.Transform).Normalize(rgb01).unsqueeze(0);
        var (c5, pool) = C5AndPool(body, normalized);
        double errC5 = ParityAssert.RelativeError(c5, ortC5), errPool = ParityAssert.RelativeError(pool, ortPool);
        output.WriteLine($"800x1088: C5 {errC5:E2}, global average pool {errPool:E2} (relative)");
        foreach (var t in new[] { c5, pool, ortC5, ortPool }) t.Dispose();
        Assert.True(errC5 < Tolerance, $"C5 relative error {errC5}");
        Assert.True(errPool < Tolerance, $"pool relative error {errPool}");
    }

    [Fact]
    public void Imagenet_r18_config_and_load_into_a_detector()
    {
        if (Package() is null) return;
        var config = PretrainedBackbone.ImageNetR18Fpn(numClasses: 3);
        Assert.Equal(18, config.Backbone.Depth);
        Assert.Equal([2, 2, 2, 3], config.Backbone.BlocksPerStage);
        Assert.Equal(NormKind.FrozenBatchNorm, config.Backbone.Norm);
        Assert.Equal(1e-5, config.Backbone.FrozenBatchNormEps);
        Assert.Equal(3, config.Backbone.TrainableLayers);
        // The channel means: R 123.15, G 115.90, B 103.06 on 0–255; std 1 on 0–255.
        Assert.Equal([123.15, 115.90, 103.06], config.Transform.ImageMean.Select(m => Math.Round(m * 255, 2)));
        Assert.All(config.Transform.ImageStd, s => Assert.Equal(1.0 / 255, s, 12));
        Assert.Equal(config, MaskRcnnConfig.FromJson(config.ToJson()), new JsonEquality());

        using var pretrained = PretrainedBackbone.Resolve(PretrainedBackbone.ImageNetR18);
        using var model = new MaskRcnnModel(config);
        var fpnBefore = model.state_dict()["backbone.fpn.inner_blocks.0.0.weight"].clone();
        pretrained.LoadInto(model);
        var state = model.state_dict();
        foreach (var (name, value) in pretrained.Body.Tensors)
            Assert.True(state["backbone.body." + name].eq(value).all().item<bool>(), name);
        Assert.True(state["backbone.fpn.inner_blocks.0.0.weight"].eq(fpnBefore).all().item<bool>(), "the FPN must keep its initialisation");
        Assert.True(state.ContainsKey("backbone.body.layer4.2.conv2.weight"));
        fpnBefore.Dispose();
    }

    sealed class JsonEquality : IEqualityComparer<MaskRcnnConfig>
    {
        public bool Equals(MaskRcnnConfig? x, MaskRcnnConfig? y) => x?.ToJson() == y?.ToJson();
        public int GetHashCode(MaskRcnnConfig obj) => obj.ToJson().GetHashCode();
    }

    (string Model, string Preprocess)? Package()
    {
        var files = MlNetResNet18Package.Find();
        if (files is null)
            output.WriteLine($"SKIPPED: {MlNetResNet18Package.Id} {MlNetResNet18Package.Version} is not in {MlNetResNet18Package.PackageFolder} (the test project's PackageDownload restores it)");
        return files;
    }

    static ResNet BuildBody(PretrainedBackbone pretrained)
    {
        var b = pretrained.Body;
        var body = new ResNet(b.Depth, stages: 4, b.Width, NormLayer.Factory(new BackboneConfig { FrozenBatchNormEps = b.NormEps }), b.BlocksPerStage);
        pretrained.LoadInto(body);
        body.eval();
        return body;
    }

    static (Tensor C5, Tensor Pool) C5AndPool(ResNet body, Tensor input)
    {
        var features = body.Forward(input);
        for (int i = 0; i < 3; i++) features[i].Dispose();
        return (features[3], features[3].mean([2, 3], keepdim: true));
    }

    /// <summary>bench/data/photo.jpg as [3,H,W] RGB in 0..1, resized bilinearly to the given size.</summary>
    static Tensor Photo(long height, long width)
    {
        using var image = ImageIo.ToTensor(ImageIo.Load(Path.Combine(TestPaths.RepoRoot, "bench", "data", "photo.jpg")));
        using var batch = image.unsqueeze(0);
        using var resized = nn.functional.interpolate(batch, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized[0].clamp(0, 1);
    }

    static DenseTensor<float> ToOrt(Tensor chw) =>
        new(chw.contiguous().data<float>().ToArray(), [1, (int)chw.shape[0], (int)chw.shape[1], (int)chw.shape[2]]);

    /// <summary>
    /// Runs the package's ResNet18.onnx with its last block's ReLU (the input of the classifier's pooling: C5) and a
    /// GlobalAveragePool of it as outputs, and the input's spatial size set to <paramref name="height"/>×<paramref name="width"/>.
    /// </summary>
    static (Tensor C5, Tensor Pool) RunOrt(string modelPath, float[] input, int height, int width)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var graph = model.Graph;
        var pool = graph.Node.Single(n => n.OpType == "AveragePool");
        string c5 = pool.Input[0];
        graph.Node.Remove(pool);
        var gap = new NodeProto { OpType = "GlobalAveragePool", Name = "c5_gap" };
        gap.Input.Add(c5);
        gap.Output.Add("c5_gap");
        graph.Node.Add(gap);
        graph.Output.Clear();
        graph.ValueInfo.Clear();
        graph.Output.Add(new ValueInfoProto { Name = c5, Type = FloatType() });
        graph.Output.Add(new ValueInfoProto { Name = "c5_gap", Type = FloatType() });
        var dims = graph.Input[0].Type.TensorType.Shape.Dim;
        dims[2].DimValue = height;
        dims[3].DimValue = width;
        using var session = new InferenceSession(model.ToByteArray());
        string inputName = graph.Input[0].Name;
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input, [1, 3, height, width]))]);
        Tensor ToTorch(string name)
        {
            var t = results.Single(r => r.Name == name).AsTensor<float>();
            return tensor(t.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray());
        }
        return (ToTorch(c5), ToTorch("c5_gap"));
    }

    static TypeProto FloatType() => new() { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } };
}
