using System.Collections.Concurrent;

namespace MaskRcnn.Serving;

/// <summary>
/// K long-lived threads that run the model calls, one per concurrency slot, as TorchServe keeps its workers.
/// Why not the thread pool: glibc gives each allocating thread its own malloc arena and, with the library's
/// <see cref="Runtime.MallocTuning"/> (no trimming), every arena keeps its high-water mark; on K fixed threads
/// libtorch's allocations stay in K arenas instead of spreading over every pool thread that ever ran a forward pass.
/// </summary>
sealed class ModelThreads : IDisposable
{
    readonly BlockingCollection<Action> _work = new();
    readonly Thread[] _threads;

    public ModelThreads(int count)
    {
        _threads = Enumerable.Range(0, count).Select(i => new Thread(Work) { IsBackground = true, Name = $"maskrcnn-model-{i}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    /// <summary>Runs <paramref name="call"/> on one of the threads.</summary>
    public Task<T> Run<T>(Func<T> call)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(call());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    void Work()
    {
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }

    /// <summary>Lets queued calls finish, then ends the threads.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var t in _threads) t.Join();
        _work.Dispose();
    }
}
