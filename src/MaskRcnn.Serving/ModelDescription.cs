using MaskRcnn.Inference;
using MaskRcnn.Runtime;

namespace MaskRcnn.Serving;

/// <summary>What <c>GET /v1/model</c> answers: the model, its classes, where its weights came from, and the limits.</summary>
public sealed record ModelDescription
{
    public required string Architecture { get; init; }
    public required int NumClasses { get; init; }
    public required IReadOnlyList<ServedClass> Classes { get; init; }
    public required ServedWeights? Weights { get; init; }
    public required string ConfigOrigin { get; init; }
    public required string Precision { get; init; }
    public required float ScoreThreshold { get; init; }
    public required int MaxConcurrency { get; init; }
    public required int QueueLimit { get; init; }
    public required long MaxUploadBytes { get; init; }
    public required long MaxImagePixels { get; init; }

    /// <summary>Instance colours by rank as <c>#rrggbb</c>, those of the overlay PNG, so the page draws the same.</summary>
    public required IReadOnlyList<string> Palette { get; init; }

    public static ModelDescription Of(PredictionService service)
    {
        var predictor = service.Predictor;
        var summary = ModelSummary.Of(predictor.Model);
        var w = predictor.Weights;
        return new ModelDescription
        {
            Architecture = summary.Architecture,
            NumClasses = predictor.Model.Config.NumClasses,
            Classes = predictor.Classes.Classes.Select((c, i) => new ServedClass(i + 1, c.Name, c.CategoryId)).ToList(),
            // The stored config is shown parsed (architecture, classes), not as its long JSON.
            Weights = w is null ? null : new ServedWeights(Path.GetFileName(w.Path), w.Format.ToString(), w.SizeBytes,
                w.Metadata.Where(m => m.Key != MaskRcnn.Weights.ModelWeights.ConfigMetadataKey).ToDictionary(),
                w.Checkpoint is { } c ? Path.GetFileName(c.Path) : null),
            ConfigOrigin = predictor.ConfigOrigin,
            Precision = predictor.Options.Precision.Name(),
            ScoreThreshold = service.Options.ScoreThreshold,
            MaxConcurrency = service.Options.MaxConcurrency,
            QueueLimit = service.Options.QueueLimit,
            MaxUploadBytes = service.Options.MaxUploadBytes,
            MaxImagePixels = service.Options.MaxImagePixels,
            Palette = Enumerable.Range(0, Visualization.InstancePalette.Count)
                .Select(r => Visualization.InstancePalette.ForRank(r)).Select(c => $"#{c.Red:x2}{c.Green:x2}{c.Blue:x2}").ToList(),
        };
    }
}

/// <summary>A label, its name and the data set's category id.</summary>
public sealed record ServedClass(int Label, string Name, long CategoryId);

/// <summary>The weights file (by name only: the server's folders are not the client's business), its format and metadata, and the checkpoint folder's name when it is one.</summary>
public sealed record ServedWeights(string File, string Format, long SizeBytes, IReadOnlyDictionary<string, string> Metadata, string? Checkpoint);
