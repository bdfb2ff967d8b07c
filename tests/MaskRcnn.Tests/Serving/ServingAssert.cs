using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace MaskRcnn.Tests.Serving;

static class ServingAssert
{
    /// <summary>The response has <paramref name="status"/> and the JSON body <c>{"error": "one line"}</c>; returns the line.</summary>
    public static async Task<string> Error(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Single(json.RootElement.EnumerateObject());
        string error = json.RootElement.GetProperty("error").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain('\n', error);
        return error;
    }

    public static ByteArrayContent Body(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static MultipartFormDataContent Form(byte[] bytes, string fileName, string? partType, string field = "image")
    {
        var form = new MultipartFormDataContent();
        var file = Body(bytes, partType);
        form.Add(file, field, fileName);
        return form;
    }
}
