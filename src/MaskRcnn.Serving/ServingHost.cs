using MaskRcnn.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace MaskRcnn.Serving;

/// <summary>
/// The stand-alone server <c>maskrcnn serve</c> runs: Kestrel with the upload limit, the endpoints at the root,
/// prometheus-net's HTTP metrics (requests by status, latency histogram), JSON bodies for 404/405 and unexpected
/// errors, and a shutdown that lets in-flight and queued requests finish.
/// </summary>
public static class ServingHost
{
    /// <param name="urls">Where to listen, e.g. <c>http://127.0.0.1:8080</c> (port 0: any free port).</param>
    /// <param name="configure">Last changes to the builder (tests swap Kestrel for the in-process TestServer).</param>
    public static WebApplication Build(Func<Predictor> loadPredictor, ServingOptions options, IReadOnlyList<string> urls,
        Action<WebApplicationBuilder>? configure = null)
    {
        options = options.Validated();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Queued requests may wait a whole queue timeout and then run; the host waits for them before exiting.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.QueueTimeout + TimeSpan.FromSeconds(30));
        // A registry per server: two servers in one process (tests) keep separate counts.
        var registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(registry); // process memory, CPU, GC counts: what an operator looks at first
        builder.Services.AddMaskRcnn(loadPredictor, options, registry);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = http => ErrorResponse.WriteAsync(http, 500,
                $"internal error: {http.Features.Get<IExceptionHandlerFeature>()?.Error.Message ?? "unknown"}"),
        });
        app.UseStatusCodePages(context => ErrorResponse.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode,
            context.HttpContext.Response.StatusCode switch
            {
                404 => $"no such endpoint: {context.HttpContext.Request.Method} {context.HttpContext.Request.Path} (POST /v1/predict, GET /v1/model, /healthz, /metrics, /)",
                405 => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}",
                int code => $"HTTP {code}",
            }));
        app.UseRouting();
        app.UseHttpMetrics(o => o.SetMetricFactory(Metrics.WithCustomRegistry(registry)));
        app.MapMaskRcnn();
        return app;
    }
}
