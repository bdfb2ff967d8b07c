using MaskRcnn.Data.Masks;
using MaskRcnn.Structures;
using MaskRcnn.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>Ground-truth instances as <see cref="InstanceOverlay"/>s, for the report's side-by-side comparisons.</summary>
public static class GroundTruthOverlays
{
    /// <summary>Every ground-truth instance of an image, in annotation order, without scores; <paramref name="classNames"/>
    /// is indexed by label (a label outside it is shown as its number).</summary>
    public static List<InstanceOverlay> From(TargetSet targets, IReadOnlyList<string> classNames)
    {
        using var scope = torch.NewDisposeScope();
        var b = targets.Boxes.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var l = targets.Labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        var masks = targets.Masks.numel() == 0 ? null : targets.Masks.cpu().ne(0).to(ScalarType.Byte);
        var result = new List<InstanceOverlay>((int)targets.Count);
        for (int i = 0; i < targets.Count; i++)
        {
            string name = l[i] >= 0 && l[i] < classNames.Count ? classNames[(int)l[i]] : l[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            var mask = masks is null ? null
                : CroppedMask.FromFullFrame(masks[i].contiguous().data<byte>().ToArray(), (int)masks.shape[1], (int)masks.shape[2]);
            result.Add(new InstanceOverlay(name, null, new BoxXyxy(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]), mask));
        }
        return result;
    }
}
