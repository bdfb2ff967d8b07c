using System.Net;
using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Serving;
using MaskRcnn.Tests.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace MaskRcnn.Tests.Serving;

/// <summary>The README's five lines: the endpoints mapped under a prefix into a team's own ASP.NET Core app.</summary>
public sealed class EmbeddingTests : IDisposable
{
    readonly TinyPredictorFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public async Task The_endpoints_map_into_another_app_under_a_prefix()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddMaskRcnn(() => Predictor.Load(files.WeightsPath, options: new PredictorOptions { ScoreThreshold = 0 }),
            registry: Prometheus.Metrics.NewCustomRegistry());
        await using var app = builder.Build();
        app.MapMaskRcnn("/maskrcnn");
        app.MapGet("/", () => "the team's own root");
        await app.StartAsync();
        using var client = app.GetTestClient();

        var response = await client.PostAsync("/maskrcnn/v1/predict?score_threshold=0",
            ServingAssert.Body(ImageIo.EncodePng(TinyPredictorFiles.Scene(seed: 1)), "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.ValueKind);
        Assert.Contains("disc", await client.GetStringAsync("/maskrcnn/v1/model"));
        Assert.Equal("the team's own root", await client.GetStringAsync("/"));
        Assert.Contains("page/app.js", await client.GetStringAsync("/maskrcnn/"));
        var bare = await client.GetAsync("/maskrcnn");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/maskrcnn/", bare.Headers.Location?.OriginalString);
        Assert.Contains("maskrcnn_model_seconds_count 1", await client.GetStringAsync("/maskrcnn/metrics"));
        await app.StopAsync();
    }
}
