using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace MaskRcnn.Serving;

/// <summary>What a response should hold: COCO results JSON or the overlay PNG.</summary>
public enum ResponseFormat { Coco, Overlay }

/// <summary>The query options of <c>POST /v1/predict</c>: <c>score_threshold</c>, <c>format=coco|overlay</c>, <c>image_id</c>.</summary>
public sealed record PredictQuery
{
    /// <summary>Null: the service's default threshold.</summary>
    public float? ScoreThreshold { get; init; }

    public ResponseFormat Format { get; init; } = ResponseFormat.Coco;

    /// <summary>The <c>image_id</c> written into each COCO result.</summary>
    public long ImageId { get; init; }

    /// <exception cref="ServingException">400 naming the option and the value that is not understood.</exception>
    public static PredictQuery Parse(IQueryCollection query)
    {
        var result = new PredictQuery();
        if (query.TryGetValue("score_threshold", out var s))
            result = result with
            {
                ScoreThreshold = float.TryParse(s.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out float t) && t is >= 0 and <= 1
                    ? t
                    : throw new ServingException(400, $"score_threshold must be a number between 0 and 1, got '{s}'"),
            };
        if (query.TryGetValue("format", out var f))
            result = result with
            {
                Format = f.ToString().ToLowerInvariant() switch
                {
                    "coco" or "json" => ResponseFormat.Coco,
                    "overlay" or "png" => ResponseFormat.Overlay,
                    _ => throw new ServingException(400, $"format must be coco or overlay, got '{f}'"),
                },
            };
        if (query.TryGetValue("image_id", out var id))
            result = result with
            {
                ImageId = long.TryParse(id.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long i)
                    ? i
                    : throw new ServingException(400, $"image_id must be an integer, got '{id}'"),
            };
        return result;
    }
}
