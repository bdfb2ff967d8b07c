namespace MaskRcnn.Distributed;

/// <summary>A job of one process: the collectives leave every buffer as it is.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    public static SingleProcessCommunicator Instance { get; } = new();

    public int Rank => 0;

    public int Size => 1;

    public void AllReduceSum(Span<float> buffer) { }

    public void Broadcast(Span<byte> buffer, int root = 0)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "a single-process job has only rank 0");
    }

    public void Barrier() { }

    /// <summary>One process: an exception already ends it, so there is nothing to abort; the caller rethrows.</summary>
    public void Abort(string message, int exitCode = 1) { }

    public void Dispose() { }
}
