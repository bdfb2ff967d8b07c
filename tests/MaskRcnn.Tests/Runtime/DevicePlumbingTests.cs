using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Ops;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using MaskRcnn.Tests.Cli;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Runtime;

/// <summary>
/// A model on a device without the hand-written CPU kernels runs the tensor-op paths end to end. No CUDA libtorch is
/// available here, so the CPU model is forced down those paths (as a GPU would take them) and compared with the kernels.
/// </summary>
public sealed class DevicePlumbingTests
{
    [Fact]
    public void Inference_on_the_tensor_op_paths_gives_the_kernels_detections()
    {
        using var files = new TinyPredictorFiles();
        using var predictor = Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0 }, device: ComputeDevice.Parse("cpu"));
        Assert.Equal(DeviceType.CPU, predictor.Device.type);
        var image = ImageIo.Load(files.ImageA);
        var kernels = predictor.Predict(image);
        IReadOnlyList<InstancePrediction> tensorOps;
        using (OpPathOverride.ForceTensorOps()) tensorOps = predictor.Predict(image);

        Assert.NotEmpty(kernels);
        Assert.Equal(kernels.Count, tensorOps.Count);
        for (int i = 0; i < kernels.Count; i++)
        {
            Assert.Equal(kernels[i].Label, tensorOps[i].Label);
            Assert.Equal(kernels[i].Score, tensorOps[i].Score, 1e-4);
            for (int k = 0; k < 4; k++) Assert.Equal(kernels[i].BoxXyxy[k], tensorOps[i].BoxXyxy[k], 1e-2);
            // Pasted masks agree pixel for pixel except where a probability sits at the 0.5 threshold.
            int differing = kernels[i].Mask.Zip(tensorOps[i].Mask).Count(p => p.First != p.Second);
            Assert.True(differing <= kernels[i].Mask.Length / 1000, $"detection {i}: {differing} mask pixels differ");
        }
    }

    [Fact]
    public void A_training_step_on_the_tensor_op_paths_gives_the_kernels_losses_and_gradients()
    {
        using var scope = NewDisposeScope();
        var fixture = SafeTensors.Load(TestPaths.Fixture("model", "tiny_maskrcnn_losses.safetensors"));
        var outputs = TinyModel.Outputs();
        var images = TinyModel.Images(outputs);
        var targets = Enumerable.Range(0, 2).Select(i => new TargetSet(
            fixture[$"target{i}.boxes"], fixture[$"target{i}.labels"], fixture[$"target{i}.masks"])).ToList();

        (Dictionary<string, double> Losses, Dictionary<string, Tensor> Grads) Step()
        {
            using var model = TinyModel.Load();
            model.UseDeterministicSampling();
            var losses = model.ComputeLosses(images, targets);
            losses.Values.Aggregate((a, b) => a + b).backward();
            return (losses.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>()),
                model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
        }

        var kernels = Step();
        (Dictionary<string, double> Losses, Dictionary<string, Tensor> Grads) tensorOps;
        using (OpPathOverride.ForceTensorOps()) tensorOps = Step();

        foreach (var (name, value) in kernels.Losses)
            Assert.True(Math.Abs(tensorOps.Losses[name] - value) <= 1e-5 * Math.Abs(value) + 1e-7, $"{name}: {tensorOps.Losses[name]} vs {value}");
        Assert.Equal(kernels.Grads.Keys.Order(), tensorOps.Grads.Keys.Order());
        foreach (var (name, grad) in kernels.Grads)
        {
            double rel = (tensorOps.Grads[name] - grad).norm().item<float>() / Math.Max(grad.norm().item<float>(), 1e-12);
            Assert.True(rel < 1e-4, $"{name}: relative gradient difference {rel}");
        }
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void Cuda_without_a_cuda_libtorch_fails_in_one_line_saying_how_to_build(string device)
    {
        if (torch.cuda.is_available()) return; // a CUDA build accepts the device; this checks the CPU-only message
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Parse(device));
        Assert.Contains("-p:TorchBackendPackage=TorchSharp-cuda-linux", e.Message);

        using var files = new TinyPredictorFiles();
        var (code, stdout, err) = CliRunner.Run("predict", "-w", files.WeightsPath, "-i", files.ImageA, "-o", Path.Combine(files.Folder, "out"), "--device", device);
        Assert.Equal(2, code);
        Assert.Equal($"maskrcnn: error: --device {device}: {ComputeDevice.CudaBuildHint}", err.Trim());
        Assert.Empty(stdout);
    }

    [Fact]
    public void Unknown_devices_are_refused_on_every_sub_command()
    {
        foreach (var command in new[] { "predict", "train", "eval", "inspect", "info", "benchmark", "demo", "merge" })
        {
            var help = CliRunner.Run(command, "--help").Out;
            Assert.Contains("--device", help);
        }
        Assert.Throws<ArgumentException>(() => ComputeDevice.Parse("tpu"));
        Assert.Throws<ArgumentException>(() => ComputeDevice.Parse("cuda:x"));
    }
}
