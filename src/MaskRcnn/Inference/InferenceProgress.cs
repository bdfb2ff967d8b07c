namespace MaskRcnn.Inference;

/// <summary>Progress of a pass over many images: how many are done of how many, and the time so far.</summary>
public sealed record InferenceProgress(int Done, int Total, TimeSpan Elapsed)
{
    /// <summary>Remaining time at the average pace so far; null before the first image is done.</summary>
    public TimeSpan? Eta => Done == 0 ? null : Elapsed / Done * (Total - Done);
}
