namespace MaskRcnn.Serving;

/// <summary>A request the service refuses: the HTTP status to answer and a one-line reason for the client.</summary>
public sealed class ServingException(int statusCode, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>When to try again (429 and 503); null for requests that will never succeed as they are.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
