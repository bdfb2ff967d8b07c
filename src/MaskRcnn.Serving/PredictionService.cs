using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;

namespace MaskRcnn.Serving;

/// <summary>
/// One loaded model serving every request: an encoded image in, the detections out. At most
/// <see cref="ServingOptions.MaxConcurrency"/> predictions run at once, <see cref="ServingOptions.QueueLimit"/> more
/// wait (oldest first), and the rest are refused. Knows nothing of HTTP beyond the status each refusal maps to, so a
/// host other than ASP.NET can use it too.
/// </summary>
public sealed class PredictionService : IDisposable
{
    readonly ConcurrencyLimiter _slots;
    readonly ModelThreads _threads;

    /// <summary>The model call; tests put a gate in front of it to hold slots deterministically.</summary>
    internal Func<RgbImage, IReadOnlyList<InstancePrediction>> RunModel { get; set; }

    public Predictor Predictor { get; }
    public ServingOptions Options { get; }
    public ServingMetrics Metrics { get; }

    /// <summary>Serves <paramref name="predictor"/>, which the service then owns (disposes).</summary>
    /// <remarks>Request thresholds filter what the predictor keeps: load it with <c>ScoreThreshold = 0</c> so that
    /// a request can ask for anything down to the model's own <c>RoiHeads.ScoreThresh</c>.</remarks>
    public PredictionService(Predictor predictor, ServingOptions? options = null, ServingMetrics? metrics = null)
    {
        Predictor = predictor;
        RunModel = predictor.Predict;
        Options = (options ?? new ServingOptions()).Validated();
        Metrics = metrics ?? new ServingMetrics(Prometheus.Metrics.DefaultRegistry);
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Options.MaxConcurrency,
            QueueLimit = Options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _threads = new ModelThreads(Options.MaxConcurrency);
    }

    /// <summary>
    /// Detections in the encoded image <paramref name="encoded"/> scoring at least <paramref name="scoreThreshold"/>
    /// (null: <see cref="ServingOptions.ScoreThreshold"/>).
    /// </summary>
    /// <param name="sourceName">How errors name the upload (its file name, or "the request body").</param>
    /// <param name="cancellation">The client's: cancels the wait for a slot (a prediction that started finishes).</param>
    /// <exception cref="ServingException">Refused: 400 not an image, truncated, empty; 413 too large; 429 queue
    /// full; 503 waited longer than <see cref="ServingOptions.QueueTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired while waiting.</exception>
    public async Task<ServedPrediction> PredictAsync(byte[] encoded, string sourceName, float? scoreThreshold = null,
        CancellationToken cancellation = default)
    {
        float threshold = scoreThreshold ?? Options.ScoreThreshold;
        if (threshold is < 0 or > 1 or float.NaN)
            throw Refuse(400, "bad_request", $"score_threshold must be between 0 and 1, got {threshold.ToString(CultureInfo.InvariantCulture)}");
        if (encoded.Length > Options.MaxUploadBytes)
            throw Refuse(413, "too_large", $"{sourceName} is {encoded.Length:N0} bytes; the limit is {Options.MaxUploadBytes:N0}");
        var image = Decode(encoded, sourceName);

        var waited = Stopwatch.StartNew();
        using var lease = await AcquireSlot(cancellation);
        var queueTime = waited.Elapsed;
        Metrics.Running.Inc();
        try
        {
            var clock = Stopwatch.StartNew();
            // Off the request thread, on the slot's own: the forward pass is synchronous, CPU-bound native work.
            var all = await _threads.Run(() => RunModel(image));
            Metrics.ModelSeconds.Observe(clock.Elapsed.TotalSeconds);
            return new ServedPrediction(image, all.Where(p => p.Score >= threshold).ToList(), clock.Elapsed, queueTime);
        }
        finally
        {
            Metrics.Running.Dec();
        }
    }

    /// <summary>Header first: a bomb's size is known before a byte of its pixels is allocated.</summary>
    RgbImage Decode(byte[] encoded, string sourceName)
    {
        try
        {
            var (width, height) = ImageIo.ReadSize(encoded, sourceName);
            if ((long)width * height > Options.MaxImagePixels)
                throw Refuse(413, "too_large", $"{sourceName} is a {width}x{height} image ({(double)width * height / 1e6:0.#} megapixels); the limit is {Options.MaxImagePixels / 1e6:0.#} megapixels");
            return ImageIo.Decode(encoded, sourceName);
        }
        catch (InvalidDataException e)
        {
            throw Refuse(400, "bad_image", e.Message);
        }
    }

    async Task<RateLimitLease> AcquireSlot(CancellationToken cancellation)
    {
        var lease = _slots.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Options.QueueTimeout);
        // The limiter queues the request (or refuses it) inside AcquireAsync, before it returns: the gauge counts it only
        // then, so that it never shows a request as waiting that the limiter has not queued yet.
        var pending = _slots.AcquireAsync(1, timeout.Token);
        bool queued = !pending.IsCompleted;
        if (queued) Metrics.QueueDepth.Inc();
        try
        {
            lease = await pending;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw Refuse(503, "timeout", $"waited {Options.QueueTimeout.TotalSeconds:0.#} s for a free model slot; try again later", Options.RetryAfter);
        }
        finally
        {
            if (queued) Metrics.QueueDepth.Dec();
        }
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        throw Refuse(429, "queue_full", $"{Options.MaxConcurrency} prediction(s) running and {Options.QueueLimit} waiting; try again later", Options.RetryAfter);
    }

    ServingException Refuse(int status, string reason, string message, TimeSpan? retryAfter = null)
    {
        Metrics.Refused.WithLabels(reason).Inc();
        return new ServingException(status, message, retryAfter);
    }

    public void Dispose()
    {
        _slots.Dispose();
        _threads.Dispose();
        Predictor.Dispose();
    }
}
