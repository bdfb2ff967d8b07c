namespace MaskRcnn.Data.Transforms;

/// <summary>Applies transforms in order, passing the same per-sample random stream along.</summary>
public sealed class Compose(params ITransform[] transforms) : ITransform
{
    public IReadOnlyList<ITransform> Transforms { get; } = transforms;

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        foreach (var t in Transforms) item = t.Apply(item, random);
        return item;
    }
}
