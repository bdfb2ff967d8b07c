using MaskRcnn.Data;
using MaskRcnn.Modeling;

namespace MaskRcnn.Inference;

/// <summary>
/// What a model's labels mean: label <c>l</c> (1-based, 0 is background) is <c>Classes[l-1]</c>, a display
/// name and the dataset's category id.
/// </summary>
public sealed record ClassMap(IReadOnlyList<ClassInfo> Classes)
{
    /// <summary>
    /// The config's classes when it lists them; otherwise every label stands for itself (name "3", category id 3),
    /// which is what a model trained on contiguous category ids 1..K produces.
    /// </summary>
    public static ClassMap FromConfig(MaskRcnnConfig config) =>
        config.Classes.Count > 0
            ? new ClassMap(config.Classes)
            : new ClassMap(Enumerable.Range(1, config.NumClasses - 1)
                .Select(l => new ClassInfo(l.ToString(System.Globalization.CultureInfo.InvariantCulture), l)).ToList());

    /// <summary>
    /// The data set's categories by increasing id, as <see cref="CocoDataset"/> numbers its labels for training.
    /// </summary>
    public static ClassMap FromDataset(CocoDataset dataset) =>
        new(Enumerable.Range(1, dataset.NumClasses - 1)
            .Select(l => new ClassInfo(dataset.ClassNames[l], dataset.LabelToCategoryId(l))).ToList());

    public ClassInfo this[int label] =>
        label >= 1 && label <= Classes.Count
            ? Classes[label - 1]
            : throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 1..{Classes.Count}");
}
