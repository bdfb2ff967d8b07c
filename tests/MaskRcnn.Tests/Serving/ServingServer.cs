using MaskRcnn.Inference;
using MaskRcnn.Serving;
using MaskRcnn.Tests.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MaskRcnn.Tests.Serving;

/// <summary>
/// The stand-alone server (<see cref="ServingHost"/>) on a weights file (the tiny seeded model of
/// <see cref="TinyPredictorFiles"/>, or <see cref="TrainedShapesModel"/>): in-process through TestServer, or on real
/// Kestrel at 127.0.0.1 on a free port.
/// </summary>
public sealed class ServingServer : IAsyncDisposable
{
    public WebApplication App { get; }
    public PredictionService Service => App.Services.GetRequiredService<PredictionService>();
    public HttpClient Client { get; }

    /// <summary>The base address on Kestrel (null in-process).</summary>
    public Uri? Address { get; }

    ServingServer(WebApplication app, HttpClient client, Uri? address)
    {
        App = app;
        Client = client;
        Address = address;
    }

    public static async Task<ServingServer> StartInProcess(string weightsPath, ServingOptions options)
    {
        var app = ServingHost.Build(() => Load(weightsPath), options, ["http://127.0.0.1:0"], b => b.WebHost.UseTestServer());
        await app.StartAsync();
        return new ServingServer(app, app.GetTestClient(), null);
    }

    public static async Task<ServingServer> StartKestrel(string weightsPath, ServingOptions options)
    {
        var app = ServingHost.Build(() => Load(weightsPath), options, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new ServingServer(app, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) }, address);
    }

    /// <summary>Threshold 0 as <c>maskrcnn serve</c> loads it: each request filters at its own threshold.</summary>
    public static Predictor Load(string weightsPath) =>
        Predictor.Load(weightsPath, options: new PredictorOptions { ScoreThreshold = 0 });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
