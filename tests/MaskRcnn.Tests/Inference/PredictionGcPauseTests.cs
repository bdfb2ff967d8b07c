using MaskRcnn.Data.Images;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Inference;
using MaskRcnn.Runtime;
using MaskRcnn.Tests.Serving;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Inference;

/// <summary>
/// A prediction runs inside one GC pause (<see cref="GcPause"/>) of <see cref="Predictor.PauseBudgetBytes"/>: the
/// managed memory its libtorch calls allocate on the calling thread must fit in it with room to spare, or the pause
/// ends inside them and stops guarding them.
/// </summary>
public sealed class PredictionGcPauseTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(128)]
    [InlineData(640)]
    public void The_forward_pass_allocates_a_small_part_of_the_pause_budget_at_any_image_size(int size)
    {
        using var predictor = Predictor.Load(TrainedShapesModel.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0 });
        var image = new ShapesDataset(TrainedShapesModel.HeldOut.Seed, size).Sample(11).Image;
        predictor.Predict(image); // JIT and first-call caches

        long start = GC.GetAllocatedBytesForCurrentThread();
        using (NewDisposeScope()) predictor.Model.Predict([ImageIo.ToTensor(image)]);
        long forward = GC.GetAllocatedBytesForCurrentThread() - start;
        start = GC.GetAllocatedBytesForCurrentThread();
        var detections = predictor.Predict(image);
        long whole = GC.GetAllocatedBytesForCurrentThread() - start;

        output.WriteLine($"{size}x{size}: forward pass {forward / 1024.0:N0} KiB, whole prediction {whole / 1024.0:N0} KiB " +
                         $"({detections.Count} detections; their masks are managed arrays of the image's size)");
        long budget = Predictor.PauseBudgetBytes([image]);
        Assert.InRange(forward, 1, budget / 2);
        // At the serving tests' size the masks fit too: the whole prediction holds the collector off.
        if (size == TrainedShapesModel.ImageSize) Assert.InRange(whole, forward, budget / 2);
    }
}
