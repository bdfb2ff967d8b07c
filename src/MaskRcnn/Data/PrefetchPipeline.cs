namespace MaskRcnn.Data;

/// <summary>
/// Produces items 0..count-1 on worker threads, at most <c>capacity</c> ahead of the consumer, and hands them
/// out strictly in index order. Workers claim indices in increasing order, each claim taking one of
/// <c>capacity</c> permits that the consumer returns as it takes items; so the earliest unfinished index is
/// always being worked on and the consumer never waits on an item nobody will produce.
/// Disposing stops the workers and disposes the items produced but never taken.
/// </summary>
sealed class PrefetchPipeline<T> : IDisposable where T : IDisposable
{
    readonly TaskCompletionSource<T>[] _slots;
    readonly bool[] _taken;
    readonly SemaphoreSlim _permits;
    readonly CancellationTokenSource _stop = new();
    readonly Thread[] _threads;
    readonly Func<int, T> _produce;
    int _next = -1;

    public PrefetchPipeline(int count, int workers, int capacity, Func<int, T> produce)
    {
        _produce = produce;
        _slots = Enumerable.Range(0, count)
            .Select(_ => new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        _taken = new bool[count];
        _permits = new SemaphoreSlim(capacity);
        _threads = Enumerable.Range(0, Math.Min(workers, Math.Max(count, 1)))
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {i}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    /// <summary>Item <paramref name="index"/> (call with 0, 1, 2, …); rethrows the worker's exception, if any.</summary>
    public T Take(int index)
    {
        var item = _slots[index].Task.GetAwaiter().GetResult();
        _taken[index] = true;
        _permits.Release();
        return item;
    }

    void Work()
    {
        while (true)
        {
            try { _permits.Wait(_stop.Token); }
            catch (OperationCanceledException) { return; }
            int index = Interlocked.Increment(ref _next);
            if (index >= _slots.Length || _stop.IsCancellationRequested) return;
            try { _slots[index].SetResult(_produce(index)); }
            catch (Exception e) { _slots[index].SetException(e); }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var t in _threads) t.Join();
        for (int i = 0; i < _slots.Length; i++)
            if (!_taken[i] && _slots[i].Task.IsCompletedSuccessfully) _slots[i].Task.Result.Dispose();
        _permits.Dispose();
        _stop.Dispose();
    }
}
