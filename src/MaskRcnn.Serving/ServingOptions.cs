namespace MaskRcnn.Serving;

/// <summary>How a <see cref="PredictionService"/> admits work: its concurrency, queue and size limits.</summary>
public sealed record ServingOptions
{
    /// <summary>Predictions run at once on the one model (K). libtorch already spreads one forward pass over every
    /// core, so 1 is the right value on a small CPU machine; more helps only with threads to spare.</summary>
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>Requests that may wait for a free slot (Q); one more is refused at once with 429.</summary>
    public int QueueLimit { get; init; } = 16;

    /// <summary>A request that waited this long for a slot is answered 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Retry-After a 429 or 503 carries.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest encoded upload accepted; a larger body is answered 413.</summary>
    public long MaxUploadBytes { get; init; } = 20L << 20;

    /// <summary>Largest image (width × height) decoded; checked from the header so that a decompression bomb (a small
    /// file of a huge image) is refused with 413 before its pixels are allocated. 40 MP is a 7,700 × 5,200 photo.</summary>
    public long MaxImagePixels { get; init; } = 40_000_000;

    /// <summary>The score threshold of a request that does not give <c>score_threshold</c>.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;

    /// <summary>Throws when a limit cannot work (e.g. no concurrency), naming the option.</summary>
    public ServingOptions Validated()
    {
        if (MaxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "at least one prediction must be able to run");
        if (QueueLimit < 0) throw new ArgumentOutOfRangeException(nameof(QueueLimit), QueueLimit, "the queue cannot be negative");
        if (MaxUploadBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxUploadBytes), MaxUploadBytes, "the upload limit must be positive");
        if (MaxImagePixels < 1) throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), MaxImagePixels, "the pixel limit must be positive");
        if (QueueTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(QueueTimeout), QueueTimeout, "the queue timeout must be positive");
        if (ScoreThreshold is < 0 or > 1 or float.NaN) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "a score threshold is between 0 and 1");
        return this;
    }
}
