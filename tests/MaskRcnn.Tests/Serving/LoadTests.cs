using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Serving;
using Xunit.Abstractions;

namespace MaskRcnn.Tests.Serving;

/// <summary>
/// Real Kestrel on 127.0.0.1 with the small trained shapes model (<see cref="TrainedShapesModel"/>), on held-out shapes
/// images. Bounded in count and time: each stops by itself.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServingLoadCollection
{
    /// <summary>Run alone, after the parallel tests: in the middle of the whole suite (load average ~35 on 2 cores) the
    /// server's RSS went from 448 to 1,061 MiB over the 300 requests, against +2 % when run alone.</summary>
    public const string Name = "Serving load";
}

[Collection(ServingLoadCollection.Name)]
public sealed class LoadTests(ITestOutputHelper output)
{
    static byte[][] ShapesPngs(int count, int size) =>
        Enumerable.Range(0, count).Select(i => ImageIo.EncodePng(new ShapesDataset(TrainedShapesModel.HeldOut.Seed, size).Sample(i).Image)).ToArray();

    [Fact]
    public async Task Three_hundred_requests_at_concurrency_8_get_no_5xx_valid_json_and_memory_stays_level()
    {
        const int warmup = 90, total = 300, concurrency = 8, rssMark = 30;
        using var serve = await ServeProcess.Start("--weights", TrainedShapesModel.WeightsPath, "--max-concurrency", "1", "--queue", "16");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
        {
            BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(60),
        };
        // A hang guard, not a speed check: 390 requests take 20-35 s here, but at the end of a full suite on a machine
        // shared with two other suites and a training run (load average 23) the 90 warm-up requests alone outlasted 120 s.
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(420));
        var images = ShapesPngs(6, TrainedShapesModel.ImageSize);
        // Warm-up, not measured: JIT the request path, fill oneDNN's primitive cache and let the managed heap and the
        // malloc arenas reach their working size (per /proc/PID/smaps both were level from request ~100 on).
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (int i = w; i < warmup; i += concurrency)
                (await client.PostAsync("/v1/predict", ServingAssert.Body(images[i % images.Length], "image/png"), budget.Token)).EnsureSuccessStatusCode();
        })));

        var latencies = new double[total];
        var statuses = new int[total];
        var valid = new bool[total];
        int next = -1;
        var clock = Stopwatch.StartNew();
        // Two phases at concurrency 8, RSS read when each has drained: after request 30 and after request 300, both
        // with nothing in flight, so the two readings are of the same state of the server (mid-run, the managed
        // heap's sawtooth between collections moves RSS by tens of MB).
        async Task RunUpTo(int end) => await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < end;)
            {
                var started = Stopwatch.StartNew();
                using var response = await client.PostAsync("/v1/predict", ServingAssert.Body(images[i % images.Length], "image/png"), budget.Token);
                string body = await response.Content.ReadAsStringAsync(budget.Token);
                latencies[i] = started.Elapsed.TotalMilliseconds;
                statuses[i] = (int)response.StatusCode;
                valid[i] = IsResultsArray(body);
            }
        })));
        await RunUpTo(rssMark);
        long rssAtMark = serve.ResidentBytes();
        next = rssMark - 1;
        await RunUpTo(total);
        var elapsed = clock.Elapsed;
        long rssAtEnd = serve.ResidentBytes();

        Array.Sort(latencies);
        output.WriteLine($"{total} requests at concurrency {concurrency} after {warmup} warm-up (K=1, queue 16, trained shapes ResNet-18-FPN, 128x128 PNGs): " +
                         $"{total / elapsed.TotalSeconds:F1} requests/s over {elapsed.TotalSeconds:F1} s; latency p50 {Percentile(latencies, 50):F1} ms, " +
                         $"p95 {Percentile(latencies, 95):F1} ms, p99 {Percentile(latencies, 99):F1} ms, max {latencies[^1]:F1} ms");
        output.WriteLine($"server RSS after request {rssMark}: {rssAtMark / 1048576.0:F1} MiB, after request {total}: {rssAtEnd / 1048576.0:F1} MiB " +
                         $"({100.0 * (rssAtEnd - rssAtMark) / rssAtMark:+0.0;-0.0} %)");
        Assert.DoesNotContain(statuses, s => s >= 500);
        Assert.All(statuses, s => Assert.Equal(200, s)); // a queue of 16 holds 8 clients: nothing is refused
        Assert.All(valid, Assert.True);
        // The issue's bound. It held once each prediction's GC pause was sized to the prediction (Predictor.PauseBudgetBytes):
        // with a fixed 64 MiB pause the collector's regions kept growing towards live + 64 MiB for hundreds of requests,
        // +15 % in the full suite.
        Assert.InRange(rssAtEnd, rssAtMark * 0.9, rssAtMark * 1.1);
        serve.Terminate();
        Assert.Equal(0, await serve.WaitForExit(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SIGTERM_stops_accepting_finishes_the_request_in_flight_and_exits_0()
    {
        using var serve = await ServeProcess.Start("--weights", TrainedShapesModel.WeightsPath);
        using var client = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(60) };
        using var monitor = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(10) };
        var png = ShapesPngs(1, TrainedShapesModel.ImageSize)[0];
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = client.PostAsync("/v1/predict", new HeldBody(png, release.Task));
        // In flight: the server has the request (its headers and half the image) in its endpoint.
        for (var clock = Stopwatch.StartNew(); !InProgressPredict(await monitor.GetStringAsync("/metrics")); await Task.Delay(10))
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the request never reached the endpoint");

        serve.Terminate();
        await serve.WaitForLine("stopping", TimeSpan.FromSeconds(20));
        release.SetResult(); // the rest of the image, after the server began to stop
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(IsResultsArray(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, await serve.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(serve.Lines, l => l.Contains("stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_of_20_at_K_1_and_Q_2_gets_429s_with_retry_after_and_no_5xx()
    {
        await using var server = await ServingServer.StartKestrel(TrainedShapesModel.WeightsPath, new ServingOptions { MaxConcurrency = 1, QueueLimit = 2 });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 20 }) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        // Larger images: a prediction lasts long enough (pasting masks at 640 px) for the burst to meet a full queue.
        var png = ShapesPngs(1, 640)[0];
        using var start = new ManualResetEventSlim();
        var burst = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await client.PostAsync("/v1/predict", ServingAssert.Body(png, "image/png"));
            string body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, response.Headers.RetryAfter?.Delta, body);
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(120));

        var counts = answers.GroupBy(a => a.Item1).OrderBy(g => g.Key).Select(g => $"{g.Count()} x {g.Key}");
        output.WriteLine($"burst of 20 at K=1, Q=2: {string.Join(", ", counts)}");
        Assert.DoesNotContain(answers, a => a.Item1 >= 500);
        Assert.All(answers, a => Assert.Contains(a.Item1, new[] { 200, 429 }));
        Assert.Contains(answers, a => a.Item1 == 429);
        Assert.True(answers.Count(a => a.Item1 == 200) >= 1);
        Assert.All(answers.Where(a => a.Item1 == 429), a =>
        {
            Assert.NotNull(a.Delta);
            Assert.Contains("\"error\"", a.body);
        });
        Assert.All(answers.Where(a => a.Item1 == 200), a => Assert.True(IsResultsArray(a.body)));
    }

    static bool InProgressPredict(string metrics) =>
        metrics.Split('\n').Any(l => l.StartsWith("http_requests_in_progress{", StringComparison.Ordinal)
                                     && l.Contains("POST", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));

    static bool IsResultsArray(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Array
                   && json.RootElement.EnumerateArray().All(r => r.TryGetProperty("segmentation", out _) && r.TryGetProperty("bbox", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, int p) => sorted[Math.Max(0, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

    /// <summary>A body sent in two halves, the second only once <paramref name="release"/> completes.</summary>
    sealed class HeldBody : HttpContent
    {
        readonly byte[] bytes;
        readonly Task release;

        public HeldBody(byte[] bytes, Task release)
        {
            this.bytes = bytes;
            this.release = release;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
