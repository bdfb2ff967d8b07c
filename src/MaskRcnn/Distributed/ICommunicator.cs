namespace MaskRcnn.Distributed;

/// <summary>
/// The few collective operations data-parallel training needs, over the processes of one job. MPI implements it
/// today (<see cref="MpiCommunicator"/>); an NCCL or c10d backend can replace it behind this interface. Every call is
/// collective: all ranks make the same calls in the same order with buffers of the same length, or the job hangs.
/// <see cref="IDisposable.Dispose"/> ends the job's communication (MPI_Finalize).
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 ≤ Rank &lt; Size; rank 0 logs, checkpoints and validates.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<float> buffer);

    /// <summary>Overwrites <paramref name="buffer"/> on every rank with root's contents.</summary>
    void Broadcast(Span<byte> buffer, int root = 0);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends the whole job at once (MPI_Abort): the other ranks would otherwise wait forever in their next collective.
    /// Writes <paramref name="message"/> to standard error first, prefixed with the rank.
    /// </summary>
    void Abort(string message, int exitCode = 1);
}
