using System.Globalization;
using System.Net;
using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Inference;
using MaskRcnn.Serving;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Tests.Support;
using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Serving;

/// <summary>The in-process server (TestServer, the stand-alone host's whole pipeline) on the tiny seeded model.</summary>
public sealed class ServingFixture : IAsyncLifetime
{
    /// <summary>Small on purpose, so the 413 test sends little.</summary>
    public const long MaxUploadBytes = 256 * 1024;

    public TinyPredictorFiles Files { get; } = new();
    public ServingServer Server { get; private set; } = null!;

    /// <summary>The library's own answer for <see cref="Image"/>, every detection the model keeps: the expectation.</summary>
    public IReadOnlyList<InstancePrediction> Expected { get; private set; } = null!;

    /// <summary>A 160×160 shapes image: the tiny model resizes it to 96×96, so boxes must come back scaled.</summary>
    public RgbImage Image { get; } = new ShapesDataset(seed: 15, imageSize: 160).Sample(0).Image;
    public byte[] Png { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Png = ImageIo.EncodePng(Image);
        using (var predictor = ServingServer.Load(Files.WeightsPath)) Expected = predictor.Predict(Image);
        Server = await ServingServer.StartInProcess(Files.WeightsPath, new ServingOptions { MaxUploadBytes = MaxUploadBytes });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Files.Dispose();
    }
}

public sealed class PredictEndpointTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    HttpClient Client => fixture.Server.Client;

    static byte[] BadFile(string name) => File.ReadAllBytes(TestPaths.Fixture("serving", name));

    [Fact]
    public async Task A_png_body_gets_the_library_s_detections_as_coco_results_in_original_pixels()
    {
        Assert.NotEmpty(fixture.Expected); // else the comparison below would be empty
        var response = await Client.PostAsync("/v1/predict?score_threshold=0&image_id=42", ServingAssert.Body(fixture.Png, "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("model;dur=", string.Join(",", response.Headers.GetValues("Server-Timing")));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var results = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(fixture.Expected.Count, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var e = fixture.Expected[i];
            Assert.Equal(42, r.GetProperty("image_id").GetInt64());
            Assert.Equal(e.CategoryId, r.GetProperty("category_id").GetInt64());
            Assert.Equal(e.ClassName, r.GetProperty("category_name").GetString());
            Assert.Equal(e.Score, r.GetProperty("score").GetDouble(), 6);
            var bbox = r.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(e.BoxXyxy[0], bbox[0], 4);
            Assert.Equal(e.BoxXyxy[1], bbox[1], 4);
            Assert.Equal(e.BoxXyxy[2] - e.BoxXyxy[0], bbox[2], 4);
            Assert.Equal(e.BoxXyxy[3] - e.BoxXyxy[1], bbox[3], 4);
            // The mask in the upload's own 160×160 pixels, compressed as pycocotools writes it.
            var segmentation = r.GetProperty("segmentation");
            Assert.Equal([160, 160], segmentation.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(MaskApi.ToCompressedString(e.Rle), segmentation.GetProperty("counts").GetString());
        }
        // Boxes reach past the 96-px model input: they were mapped back to the upload's size.
        Assert.Contains(fixture.Expected, e => e.BoxXyxy[2] > 96 || e.BoxXyxy[3] > 96);
    }

    [Fact]
    public async Task The_score_threshold_filters_and_defaults_to_the_service_s()
    {
        float median = fixture.Expected[fixture.Expected.Count / 2].Score;
        string t = median.ToString("R", CultureInfo.InvariantCulture);
        var filtered = await Results(await Client.PostAsync($"/v1/predict?score_threshold={t}", ServingAssert.Body(fixture.Png, "image/png")));
        Assert.Equal(fixture.Expected.Count(e => e.Score >= median), filtered.Count);
        var byDefault = await Results(await Client.PostAsync("/v1/predict", ServingAssert.Body(fixture.Png, "image/png")));
        Assert.Equal(fixture.Expected.Count(e => e.Score >= 0.5f), byDefault.Count);
    }

    [Fact]
    public async Task A_multipart_file_gets_the_same_answer_as_the_raw_body()
    {
        var raw = await Results(await Client.PostAsync("/v1/predict?score_threshold=0", ServingAssert.Body(fixture.Png, "application/octet-stream")));
        var form = await Results(await Client.PostAsync("/v1/predict?score_threshold=0", ServingAssert.Form(fixture.Png, "shapes.png", "image/png")));
        Assert.Equal(fixture.Expected.Count, form.Count);
        Assert.Equal(raw.Select(r => r.GetRawText()), form.Select(r => r.GetRawText()));
    }

    [Fact]
    public async Task Format_overlay_returns_the_predict_command_s_overlay_png()
    {
        var response = await Client.PostAsync("/v1/predict?format=overlay&score_threshold=0.3", ServingAssert.Body(fixture.Png, "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var overlay = ImageIo.Decode(await response.Content.ReadAsByteArrayAsync(), "the response");
        var expected = new OverlayRenderer().Render(fixture.Image, fixture.Expected.ToOverlays(minScore: 0.3f));
        Assert.Equal((160, 160), (overlay.Width, overlay.Height));
        Assert.Equal(expected.Pixels, overlay.Pixels);
        Assert.NotEqual(fixture.Image.Pixels, overlay.Pixels);
    }

    [Theory]
    [InlineData("empty.png", "image/png", "empty")]
    [InlineData("truncated.png", "image/png", "cannot decode")]
    [InlineData("jpeg_garbage.jpg", "image/jpeg", "cannot decode")]
    [InlineData("not_an_image.png", "image/png", "not a PNG/JPEG")]
    public async Task A_bad_image_gets_400_with_a_one_line_reason_and_the_service_keeps_serving(string file, string type, string reason)
    {
        var error = await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Body(BadFile(file), type)), HttpStatusCode.BadRequest);
        Assert.Contains(reason, error);
        var asForm = await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Form(BadFile(file), file, type)), HttpStatusCode.BadRequest);
        Assert.Contains(file == "empty.png" ? "empty" : file, asForm); // names the uploaded file
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/v1/predict", ServingAssert.Body(fixture.Png, "image/png"))).StatusCode);
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_with_413_from_its_header()
    {
        var error = await ServingAssert.Error(
            await Client.PostAsync("/v1/predict", ServingAssert.Body(BadFile("bomb_10000x10000.png"), "image/png")), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("10000x10000", error);
        Assert.Contains("megapixels", error);
    }

    [Fact]
    public void The_bomb_is_refused_before_any_pixel_buffer_is_allocated()
    {
        var bomb = BadFile("bomb_10000x10000.png");
        // Up to the refusal PredictAsync runs synchronously on this thread, so this thread's allocations are all of
        // it: decoding would allocate 400 MB (RGBA) + 300 MB (RGB).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var task = fixture.Server.Service.PredictAsync(bomb, "bomb.png");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var e = Assert.Throws<AggregateException>(() => task.Wait()).InnerException;
        Assert.Equal(413, Assert.IsType<ServingException>(e).StatusCode);
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes before refusing");
    }

    [Fact]
    public async Task A_body_over_the_upload_limit_gets_413_raw_or_multipart()
    {
        var big = new byte[ServingFixture.MaxUploadBytes + 1];
        fixture.Png.CopyTo(big, 0);
        await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Body(big, "image/png")), HttpStatusCode.RequestEntityTooLarge);
        await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Form(big, "big.png", "image/png")), HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_an_image_type_gets_415(string? type)
    {
        var error = await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Body(fixture.Png, type)), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Type", error);
    }

    [Fact]
    public async Task A_multipart_part_that_is_text_gets_415_and_a_form_without_a_file_gets_400()
    {
        await ServingAssert.Error(await Client.PostAsync("/v1/predict", ServingAssert.Form(fixture.Png, "notes.txt", "text/plain")), HttpStatusCode.UnsupportedMediaType);
        using var noFile = new MultipartFormDataContent { { new StringContent("hello"), "comment" } };
        Assert.Contains("no file", await ServingAssert.Error(await Client.PostAsync("/v1/predict", noFile), HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("score_threshold=2", "score_threshold")]
    [InlineData("score_threshold=abc", "score_threshold")]
    [InlineData("format=xml", "format")]
    [InlineData("image_id=x", "image_id")]
    public async Task A_bad_query_option_gets_400_naming_it(string query, string name)
    {
        var error = await ServingAssert.Error(await Client.PostAsync("/v1/predict?" + query, ServingAssert.Body(fixture.Png, "image/png")), HttpStatusCode.BadRequest);
        Assert.Contains(name, error);
    }

    [Fact]
    public async Task Unknown_routes_get_404_and_wrong_methods_405_as_json()
    {
        Assert.Contains("/v2/predict", await ServingAssert.Error(await Client.PostAsync("/v2/predict", ServingAssert.Body(fixture.Png, "image/png")), HttpStatusCode.NotFound));
        await ServingAssert.Error(await Client.GetAsync("/nothing/here"), HttpStatusCode.NotFound);
        await ServingAssert.Error(await Client.GetAsync("/v1/predict"), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Model_describes_architecture_classes_weights_and_limits()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/v1/model"));
        var m = json.RootElement;
        Assert.StartsWith("ResNet-18-FPN", m.GetProperty("architecture").GetString());
        Assert.Equal(3, m.GetProperty("num_classes").GetInt32());
        Assert.Equal([(1, "disc", 7L), (2, "block", 18L)], m.GetProperty("classes").EnumerateArray()
            .Select(c => (c.GetProperty("label").GetInt32(), c.GetProperty("name").GetString()!, c.GetProperty("category_id").GetInt64())));
        Assert.Equal("tiny.safetensors", m.GetProperty("weights").GetProperty("file").GetString());
        Assert.Equal("SafeTensors", m.GetProperty("weights").GetProperty("format").GetString());
        Assert.Equal(ServingFixture.MaxUploadBytes, m.GetProperty("max_upload_bytes").GetInt64());
        Assert.Equal(0.5, m.GetProperty("score_threshold").GetDouble(), 6);
        Assert.Equal("#e6194b", m.GetProperty("palette")[0].GetString());
    }

    [Fact]
    public async Task Healthz_and_the_page_answer()
    {
        Assert.Equal("{\"status\":\"ok\"}", await Client.GetStringAsync("/healthz"));
        var page = await Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("page/app.js", await page.Content.ReadAsStringAsync());
        Assert.Contains("decodeCounts", await Client.GetStringAsync("/page/app.js"));
        await ServingAssert.Error(await Client.GetAsync("/page/missing.js"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_count_requests_by_status_and_time_the_model()
    {
        await Client.PostAsync("/v1/predict", ServingAssert.Body(fixture.Png, "image/png"));
        await Client.PostAsync("/v1/predict", ServingAssert.Body(BadFile("truncated.png"), "image/png"));
        string metrics = await Client.GetStringAsync("/metrics");
        Assert.Matches("http_requests_received_total\\{code=\"200\",method=\"POST\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("http_requests_received_total\\{code=\"400\",method=\"POST\"[^}]*\\} [1-9]", metrics);
        Assert.Contains("http_request_duration_seconds_bucket", metrics);
        Assert.Matches("maskrcnn_model_seconds_count [1-9]", metrics);
        Assert.Contains("maskrcnn_queue_depth 0", metrics);
        Assert.Matches("maskrcnn_refused_total\\{reason=\"bad_image\"\\} [1-9]", metrics);
    }

    static async Task<List<JsonElement>> Results(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.EnumerateArray().ToList();
    }
}
