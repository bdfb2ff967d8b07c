using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MaskRcnn.Serving;

/// <summary>Every error the service answers has the body <c>{"error": "one line"}</c>.</summary>
public static class ErrorResponse
{
    public static async Task WriteAsync(HttpContext http, int statusCode, string message, TimeSpan? retryAfter = null)
    {
        if (http.Response.HasStarted) return; // nothing more can be said on this response
        http.Response.Clear();
        http.Response.StatusCode = statusCode;
        if (retryAfter is { } wait)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        http.Response.ContentType = "application/json";
        string line = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = line }), http.RequestAborted);
    }
}
