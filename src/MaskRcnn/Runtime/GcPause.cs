using System.Runtime;

namespace MaskRcnn.Runtime;

/// <summary>
/// Keeps the .NET garbage collector out of a stretch of libtorch calls (one training iteration, one prediction).
/// Why: TorchSharp 0.107 turns every implicit scalar operand (the <c>alpha</c> of <c>a + b</c>, the <c>2</c> of
/// <c>t * 2</c>, …) into a <c>Scalar</c> object freed only by its finalizer, and reads its handle before the native
/// call without keeping the object alive; a collection during that call can free the c10::Scalar while libtorch
/// still reads it. We saw it once in ~600 training iterations (aten::add failing in <c>Scalar::toFloat</c>).
/// With no collection inside the stretch, the collector runs between stretches, when the calling thread is not
/// inside libtorch. The guard is best effort: allocating more than the budget ends the pause early.
/// <para>
/// Starting a pause runs a full blocking collection (what <see cref="GC.TryStartNoGCRegion(long)"/> does), which
/// also keeps managed garbage from piling up across back-to-back predictions: without it a folder of predictions
/// left ~10 MB of garbage per image uncollected (the collector's own gen0 budget here is hundreds of MB) and RSS
/// climbed with it.
/// </para>
/// </summary>
public readonly struct GcPause : IDisposable
{
    /// <summary>Managed allocation allowed inside one pause; an iteration allocates a few MB of tensor wrappers.</summary>
    public const long DefaultBudgetBytes = 64L << 20;

    readonly bool _started;

    GcPause(bool started) => _started = started;

    public static GcPause Begin(long budgetBytes = DefaultBudgetBytes)
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return new GcPause(false); // nested: the outer one holds
        try
        {
            return new GcPause(GC.TryStartNoGCRegion(budgetBytes));
        }
        catch (ArgumentOutOfRangeException)
        {
            return new GcPause(false); // budget larger than this GC configuration allows
        }
        catch (InvalidOperationException)
        {
            return new GcPause(false); // another thread started one meanwhile: it holds for both
        }
    }

    public void Dispose()
    {
        // The region ends by itself when the budget runs out; ending it again would throw.
        if (!_started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The budget ran out (a collection ended the region) between the check and the call.
        }
    }
}
