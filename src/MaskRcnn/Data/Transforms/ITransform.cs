namespace MaskRcnn.Data.Transforms;

/// <summary>
/// A training-time transform of an image and its targets, applied consistently to both.
/// <para>Ownership: <c>Apply</c> takes ownership of <c>item</c> and returns an item the caller owns
/// (the same object when nothing changed; otherwise the replaced tensors are disposed).</para>
/// <para>All randomness comes from <c>random</c>, which the caller seeds per sample, so results do
/// not depend on which thread runs the transform or when.</para>
/// </summary>
public interface ITransform
{
    DatasetItem Apply(DatasetItem item, DeterministicRandom random);
}
