namespace MaskRcnn.Distributed;

/// <summary>Turns one rank's failure into the whole job's.</summary>
public static class AbortOnFailure
{
    /// <summary>
    /// Runs <paramref name="body"/>; when it throws in a job of several processes, aborts the job with the exception's
    /// message (the other ranks would otherwise block forever in their next collective; Open MPI then ends them and
    /// <c>mpirun</c> exits non-zero). A checkpoint being written at that moment stays a temporary folder and the last
    /// complete one stays the latest (see <see cref="Training.Checkpoint"/>). A single process just rethrows.
    /// </summary>
    public static T Run<T>(ICommunicator communicator, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (communicator.Size > 1)
        {
            communicator.Abort(e.Message);
            throw;
        }
    }
}
