using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace MaskRcnn.Serving;

/// <summary>
/// Takes the image out of a <c>POST /v1/predict</c> request: the raw body (<c>image/*</c> or
/// <c>application/octet-stream</c>) or the file of a <c>multipart/form-data</c> form (field <c>image</c>, else the
/// first file). ASP.NET parses the headers and the multipart body; this only applies the limits and picks the part.
/// </summary>
public static class ImageUpload
{
    /// <summary>The upload's bytes and a name for errors.</summary>
    /// <exception cref="ServingException">415 wrong content type, 413 too large, 400 no file or a malformed form.</exception>
    public static async Task<(byte[] Bytes, string Name)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellation)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } mediaType)
            throw Unsupported(request.ContentType);
        if (request.ContentLength > MultipartAllowance(maxBytes))
            throw TooLarge($"the request body is {request.ContentLength:N0} bytes", maxBytes);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MultipartAllowance(maxBytes);
        try
        {
            if (mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                return await ReadFormFile(request, maxBytes, cancellation);
            if (IsImageType(mediaType))
                return (await ReadBody(request.Body, maxBytes, "the request body", cancellation), "the request body");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge("the request body", maxBytes); // Kestrel's own cap (the form allowance) was hit
        }
        throw Unsupported(request.ContentType);
    }

    static async Task<(byte[], string)> ReadFormFile(HttpRequest request, long maxBytes, CancellationToken cancellation)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxBytes, ValueCountLimit = 16 }, cancellation);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw TooLarge("the uploaded form", maxBytes);
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !cancellation.IsCancellationRequested)
        {
            throw new ServingException(400, $"malformed multipart/form-data body: {e.Message}");
        }
        var file = form.Files.GetFile("image") ?? (form.Files.Count > 0 ? form.Files[0] : null)
            ?? throw new ServingException(400, "the multipart/form-data body has no file part (send the image as a file field named 'image')");
        string name = string.IsNullOrEmpty(file.FileName) ? "the uploaded file" : file.FileName;
        if (!string.IsNullOrEmpty(file.ContentType)
            && (!MediaTypeHeaderValue.TryParse(file.ContentType, out var partType) || !IsImageType(partType.MediaType.Value ?? "")))
            throw new ServingException(415, $"{name} is sent as {file.ContentType}; send an image (image/png, image/jpeg) or application/octet-stream");
        if (file.Length > maxBytes) throw TooLarge($"{name} is {file.Length:N0} bytes", maxBytes);
        await using var stream = file.OpenReadStream();
        return (await ReadBody(stream, maxBytes, name, cancellation), name);
    }

    static async Task<byte[]> ReadBody(Stream body, long maxBytes, string name, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(name, maxBytes);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new ServingException(400, $"{name} is empty (0 bytes); send a PNG or JPEG image");
        return buffer.ToArray();
    }

    /// <summary>Image types are decoded by content (Skia sniffs the format), so any image/* subtype is taken.</summary>
    static bool IsImageType(string mediaType) =>
        mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
        || mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>A form's boundaries and part headers come on top of the file: a few kB is plenty.</summary>
    static long MultipartAllowance(long maxBytes) => maxBytes + 64 * 1024;

    static ServingException TooLarge(string what, long maxBytes) =>
        new(413, $"{what} is larger than the upload limit of {maxBytes:N0} bytes");

    static ServingException Unsupported(string? contentType) =>
        new(415, $"Content-Type {(string.IsNullOrEmpty(contentType) ? "(none)" : contentType)} is not accepted; send the image as " +
                 "image/png, image/jpeg or application/octet-stream, or as a multipart/form-data file");
}
