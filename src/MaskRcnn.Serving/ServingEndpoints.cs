using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Visualization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace MaskRcnn.Serving;

/// <summary>
/// The service's HTTP surface, for any ASP.NET Core app: <c>services.AddMaskRcnn(...)</c> registers the one
/// <see cref="PredictionService"/>, <c>app.MapMaskRcnn()</c> maps <c>POST /v1/predict</c>, <c>GET /v1/model</c>,
/// <c>GET /healthz</c>, <c>GET /metrics</c> and the page at <c>GET /</c> (under a prefix if given).
/// </summary>
public static class ServingEndpoints
{
    static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Registers the service; <paramref name="loadPredictor"/> runs once, when the service is first needed
    /// (<see cref="MapMaskRcnn"/> asks for it, so a model that does not load stops the app at start-up).</summary>
    /// <param name="registry">Where the metrics go; null for prometheus-net's default registry.</param>
    public static IServiceCollection AddMaskRcnn(this IServiceCollection services, Func<Predictor> loadPredictor,
        ServingOptions? options = null, CollectorRegistry? registry = null) =>
        services.AddSingleton(_ => new PredictionService(loadPredictor(), options, new ServingMetrics(registry ?? Metrics.DefaultRegistry)));

    /// <summary>Maps the endpoints under <paramref name="prefix"/> (e.g. "/maskrcnn"; empty for the root).</summary>
    public static RouteGroupBuilder MapMaskRcnn(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        var service = endpoints.ServiceProvider.GetRequiredService<PredictionService>();
        var group = endpoints.MapGroup(prefix.TrimEnd('/'));
        group.MapPost("/v1/predict", (HttpContext http, ILoggerFactory logs) => Predict(http, service, logs.CreateLogger(typeof(ServingEndpoints))));
        group.MapGet("/v1/model", () => Results.Json(ModelDescription.Of(service), SnakeCase));
        group.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        group.MapMetrics("/metrics", service.Metrics.Registry);
        // The page links its files relatively: under a prefix it must be at "/prefix/", not "/prefix".
        group.MapGet("/", (HttpContext http) => http.Request.Path.Value is { } path && !path.EndsWith('/')
            ? Results.Redirect(http.Request.PathBase + path + "/" + http.Request.QueryString)
            : Results.Bytes(ServingPage.File("index.html"), "text/html; charset=utf-8"));
        group.MapGet("/page/{name}", (string name) => ServingPage.Exists(name)
            ? Results.Bytes(ServingPage.File(name), ServingPage.ContentType(name))
            : Results.Json(new { error = $"no page file {name}" }, statusCode: 404));
        return group;
    }

    static async Task Predict(HttpContext http, PredictionService service, ILogger log)
    {
        var cancellation = http.RequestAborted;
        try
        {
            var query = PredictQuery.Parse(http.Request.Query);
            var (bytes, name) = await ImageUpload.ReadAsync(http.Request, service.Options.MaxUploadBytes, cancellation);
            var served = await service.PredictAsync(bytes, name, query.ScoreThreshold, cancellation);
            http.Response.Headers["Server-Timing"] =
                FormattableString.Invariant($"queue;dur={served.QueueTime.TotalMilliseconds:0.#}, model;dur={served.ModelTime.TotalMilliseconds:0.#}");
            if (query.Format == ResponseFormat.Overlay)
            {
                var overlay = new OverlayRenderer().Render(served.Image, served.Instances.ToOverlays());
                await Results.Bytes(ImageIo.EncodePng(overlay), "image/png").ExecuteAsync(http);
                return;
            }
            using var json = new MemoryStream();
            CocoJson.WriteResults(json, served.Instances.Select(p => p.ToCocoResult(query.ImageId) with { CategoryName = p.ClassName }));
            await Results.Bytes(json.ToArray(), "application/json").ExecuteAsync(http);
        }
        catch (ServingException e)
        {
            await ErrorResponse.WriteAsync(http, e.StatusCode, e.Message, e.RetryAfter);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client left: its queued work is dropped, and there is no one to answer (nginx's 499 in the metrics).
            http.Response.StatusCode = 499;
        }
        catch (Exception e)
        {
            log.LogError(e, "prediction failed");
            await ErrorResponse.WriteAsync(http, 500, $"prediction failed: {e.Message}");
        }
    }
}
