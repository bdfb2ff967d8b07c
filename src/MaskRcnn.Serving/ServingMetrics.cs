using Prometheus;

namespace MaskRcnn.Serving;

/// <summary>
/// The service's own Prometheus metrics (requests by status and their latency come from prometheus-net's HTTP
/// middleware, which <see cref="ServingHost"/> installs): queue depth, predictions running, time in the model, and
/// requests refused before the model, by reason.
/// </summary>
public sealed class ServingMetrics
{
    public CollectorRegistry Registry { get; }
    public Gauge QueueDepth { get; }
    public Gauge Running { get; }
    public Histogram ModelSeconds { get; }
    public Counter Refused { get; }

    public ServingMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        QueueDepth = factory.CreateGauge("maskrcnn_queue_depth", "Prediction requests waiting for a free model slot");
        Running = factory.CreateGauge("maskrcnn_predictions_running", "Predictions running on the model now");
        // 10 ms .. ~20 s: a tiny model on a small image up to ResNet-50 at 800 px on a busy CPU.
        ModelSeconds = factory.CreateHistogram("maskrcnn_model_seconds", "Time inside the model per prediction",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 12) });
        Refused = factory.CreateCounter("maskrcnn_refused_total", "Prediction requests refused before the model, by reason",
            new CounterConfiguration { LabelNames = ["reason"] });
    }
}
