using System.CommandLine;
using System.Globalization;
using MaskRcnn.Inference;
using MaskRcnn.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn serve --weights W</c>: the model behind HTTP (<see cref="ServingHost"/>) until Ctrl+C or SIGTERM, which
/// stop accepting, let in-flight and queued requests finish, and exit 0. Parses options and hosts; nothing more.
/// </summary>
static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: true);
        var config = CommonOptions.ModelConfig();
        var numClasses = CommonOptions.NumClasses();
        var host = new Option<string>("--host") { Description = "Address to listen on (0.0.0.0: every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port, printed at start)", DefaultValueFactory = _ => 8080 };
        var device = new Option<string>("--device")
        {
            Description = "Where the model runs; this build's libtorch backend is the CPU one",
            DefaultValueFactory = _ => "cpu",
        }.AcceptOnlyFromAmong("cpu");
        var maxConcurrency = new Option<int>("--max-concurrency")
        {
            Description = "Predictions running at once (libtorch already uses every core for one; more helps only with --threads set lower)",
            DefaultValueFactory = _ => 1,
        };
        var queue = new Option<int>("--queue") { Description = "Requests that may wait for a free slot; beyond them: 429 with Retry-After", DefaultValueFactory = _ => 16 };
        var queueTimeout = new Option<double>("--queue-timeout")
        {
            Description = "Seconds a request may wait for a slot before it gets 503",
            DefaultValueFactory = _ => 30,
        };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "Largest upload in MiB (larger: 413)", DefaultValueFactory = _ => 20 };
        var maxMegapixels = new Option<double>("--max-megapixels")
        {
            Description = "Largest image in megapixels, read from the header before decoding (larger: 413)",
            DefaultValueFactory = _ => 40,
        };
        var scoreThreshold = new Option<float>("--score-threshold")
        {
            Description = "Score threshold of requests that give no score_threshold",
            DefaultValueFactory = _ => 0.5f,
        };
        var maskThreshold = new Option<float>("--mask-threshold")
        {
            Description = "A pixel is in the mask when its probability is above this",
            DefaultValueFactory = _ => 0.5f,
        };
        var precision = CommonOptions.Precision();
        var noFolding = CommonOptions.NoBatchNormFolding();
        var threads = CommonOptions.Threads();
        var thresholds = new InferenceSettingsOptions();
        var command = new Command("serve",
            "Serve the model over HTTP: POST /v1/predict (an image as the body or a multipart file; ?score_threshold=, ?format=coco|overlay), " +
            "GET /v1/model, /healthz, /metrics (Prometheus) and the page at /. Ctrl+C or SIGTERM stops after in-flight requests.")
        {
            weights, config, numClasses, host, port, device, maxConcurrency, queue, queueTimeout, maxUpload, maxMegapixels,
            scoreThreshold, maskThreshold, precision, noFolding, threads,
        };
        thresholds.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(port) is < 0 or > 65535) throw Usage($"--port must be 0..65535, got {parse.GetValue(port)}");
            if (parse.GetValue(maskThreshold) is < 0 or > 1 or float.NaN) throw Usage("--mask-threshold must be between 0 and 1");
            ThreadSettings.Apply(parse.GetValue(threads));
            ServingOptions options;
            try
            {
                options = new ServingOptions
                {
                    MaxConcurrency = parse.GetValue(maxConcurrency),
                    QueueLimit = parse.GetValue(queue),
                    QueueTimeout = TimeSpan.FromSeconds(Positive(parse.GetValue(queueTimeout), "--queue-timeout")),
                    MaxUploadBytes = (long)(Positive(parse.GetValue(maxUpload), "--max-upload-mb") * (1 << 20)),
                    MaxImagePixels = (long)(Positive(parse.GetValue(maxMegapixels), "--max-megapixels") * 1e6),
                    ScoreThreshold = parse.GetValue(scoreThreshold),
                }.Validated();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw Usage($"{OptionName(e.ParamName)} {e.Message.Split(" (Parameter")[0]}");
            }

            // Loaded before listening, so a model that does not load is one error line and no server.
            // Threshold 0 here: each request filters at its own score_threshold.
            var predictor = Predictor.Load(parse.GetValue(weights)!.FullName, parse.GetValue(config)?.FullName, parse.GetValue(numClasses),
                new PredictorOptions
                {
                    ScoreThreshold = 0, MaskThreshold = parse.GetValue(maskThreshold),
                    Precision = parse.GetValue(precision), FoldBatchNorm = !parse.GetValue(noFolding),
                },
                c => thresholds.ApplyTo(c, parse));
            string url = $"http://{FormatHost(parse.GetValue(host)!)}:{parse.GetValue(port)}";
            return Run(context, ServingHost.Build(() => predictor, options, [url]), predictor, options).GetAwaiter().GetResult();
        });
        return command;
    }

    static async Task<int> Run(CliContext context, WebApplication app, Predictor predictor, ServingOptions options)
    {
        await using var _ = app;
        try
        {
            await app.StartAsync(context.Cancellation);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot listen: {e.Message}");
        }
        var summary = ModelSummary.Of(predictor.Model);
        context.Out.WriteLine($"maskrcnn serve: listening on {string.Join(", ", app.Urls)}");
        context.Out.WriteLine($"model: {summary.Architecture}; classes: {string.Join(", ", summary.Classes.Classes.Select(c => c.Name))}");
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"limits: {options.MaxConcurrency} at once, {options.QueueLimit} queued, {options.QueueTimeout.TotalSeconds:0.#} s wait, {options.MaxUploadBytes / 1048576.0:0.#} MiB, {options.MaxImagePixels / 1e6:0.#} MP; Ctrl+C or SIGTERM stops"));
        using var stopping = app.Lifetime.ApplicationStopping.Register(() =>
            context.Out.WriteLine("maskrcnn serve: stopping: no new connections; finishing in-flight requests"));
        await app.WaitForShutdownAsync(context.Cancellation);
        context.Out.WriteLine("maskrcnn serve: stopped (in-flight requests finished)");
        return ExitCodes.Success;
    }

    static double Positive(double value, string option) =>
        value > 0 && double.IsFinite(value) ? value : throw Usage($"{option} must be a positive number, got {value.ToString(CultureInfo.InvariantCulture)}");

    static string OptionName(string? property) => property switch
    {
        nameof(ServingOptions.MaxConcurrency) => "--max-concurrency",
        nameof(ServingOptions.QueueLimit) => "--queue",
        nameof(ServingOptions.ScoreThreshold) => "--score-threshold",
        _ => "--" + property,
    };

    /// <summary>IPv6 literals go in brackets in a URL.</summary>
    static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;

    static CliException Usage(string message) => new($"{message} (see 'maskrcnn serve --help')", ExitCodes.Usage);
}
