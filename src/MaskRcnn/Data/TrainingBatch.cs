using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data;

/// <summary>
/// A mini-batch from <see cref="DataLoader"/>: images unpadded, float32 [3,H,W] each (the model pads them
/// with <see cref="ImageList"/>), their targets, and the COCO image ids.
/// <para>The batch owns native memory that belongs to no dispose scope (it was made on a worker thread):
/// the consumer must <see cref="Dispose"/> each batch once the step that uses it is done.</para>
/// </summary>
public sealed record TrainingBatch(IReadOnlyList<Tensor> Images, IReadOnlyList<TargetSet> Targets, IReadOnlyList<long> ImageIds)
    : IDisposable
{
    public int Count => Images.Count;

    public void Dispose()
    {
        foreach (var image in Images) image.Dispose();
        foreach (var target in Targets) target.Dispose();
    }
}
