using System.Net;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Serving;
using MaskRcnn.Tests.Inference;

namespace MaskRcnn.Tests.Serving;

/// <summary>
/// Concurrency, queue, timeout and disconnects, made deterministic by a gate in front of the model call: a
/// prediction that enters the model stays there until the test opens the gate.
/// </summary>
public sealed class AdmissionTests : IDisposable
{
    readonly TinyPredictorFiles files = new();
    readonly byte[] png = ImageIo.EncodePng(TinyPredictorFiles.Scene(seed: 3));

    public void Dispose() => files.Dispose();

    sealed class ModelGate
    {
        public readonly SemaphoreSlim Entered = new(0);
        public readonly ManualResetEventSlim Open = new(false);
        public int Calls;

        public void Install(PredictionService service)
        {
            var model = service.RunModel;
            service.RunModel = image =>
            {
                Interlocked.Increment(ref Calls);
                Entered.Release();
                Open.Wait(TimeSpan.FromSeconds(30));
                return model(image);
            };
        }
    }

    async Task<(ServingServer Server, ModelGate Gate)> Start(ServingOptions options)
    {
        var server = await ServingServer.StartInProcess(files.WeightsPath, options);
        var gate = new ModelGate();
        gate.Install(server.Service);
        return (server, gate);
    }

    Task<HttpResponseMessage> Post(ServingServer server, CancellationToken cancellation = default) =>
        server.Client.PostAsync("/v1/predict", ServingAssert.Body(png, "image/png"), cancellation);

    static async Task WaitFor(Func<bool> condition)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); !condition(); await Task.Delay(5))
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "timed out waiting for the service's state");
    }

    [Fact]
    public async Task Beyond_K_running_and_Q_queued_a_request_gets_429_with_retry_after()
    {
        var (server, gate) = await Start(new ServingOptions { MaxConcurrency = 1, QueueLimit = 1, RetryAfter = TimeSpan.FromSeconds(2) });
        await using var _ = server;
        var running = Post(server);
        Assert.True(await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        var queued = Post(server);
        await WaitFor(() => server.Service.Metrics.QueueDepth.Value == 1);

        var refused = await Post(server);
        Assert.Contains("1 waiting", await ServingAssert.Error(refused, HttpStatusCode.TooManyRequests));
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);

        gate.Open.Set();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
        Assert.Equal(2, gate.Calls);
        Assert.Equal(0, server.Service.Metrics.QueueDepth.Value);
    }

    [Fact]
    public async Task A_request_that_waits_longer_than_the_queue_timeout_gets_503()
    {
        var (server, gate) = await Start(new ServingOptions { MaxConcurrency = 1, QueueLimit = 4, QueueTimeout = TimeSpan.FromMilliseconds(300) });
        await using var _ = server;
        var running = Post(server);
        Assert.True(await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)));

        var waited = await Post(server);
        Assert.Contains("waited 0.3 s", await ServingAssert.Error(waited, HttpStatusCode.ServiceUnavailable));
        Assert.NotNull(waited.Headers.RetryAfter);

        gate.Open.Set();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(1, gate.Calls); // the timed-out request never reached the model
    }

    [Fact]
    public async Task A_client_that_disconnects_while_queued_leaves_the_queue_and_its_work_is_never_run()
    {
        var (server, gate) = await Start(new ServingOptions { MaxConcurrency = 1, QueueLimit = 4 });
        await using var _ = server;
        var running = Post(server);
        Assert.True(await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        using var leave = new CancellationTokenSource();
        var queued = Post(server, leave.Token);
        await WaitFor(() => server.Service.Metrics.QueueDepth.Value == 1);

        leave.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await WaitFor(() => server.Service.Metrics.QueueDepth.Value == 0);

        gate.Open.Set();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(server)).StatusCode);
        Assert.Equal(2, gate.Calls); // the first request and the last; not the one that left
    }

    [Fact]
    public async Task Predictions_run_K_at_once()
    {
        var (server, gate) = await Start(new ServingOptions { MaxConcurrency = 2, QueueLimit = 4 });
        await using var _ = server;
        var requests = Enumerable.Range(0, 3).Select(_ => Post(server)).ToList();
        Assert.True(await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(await gate.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        await WaitFor(() => server.Service.Metrics.QueueDepth.Value == 1);
        Assert.Equal(2, server.Service.Metrics.Running.Value);
        Assert.Equal(2, gate.Calls);

        gate.Open.Set();
        foreach (var r in requests) Assert.Equal(HttpStatusCode.OK, (await r).StatusCode);
        Assert.Equal(3, gate.Calls);
    }
}
