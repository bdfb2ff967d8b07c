using MaskRcnn.Modeling;

namespace MaskRcnn.Weights;

/// <summary>
/// Which model to build and which weights to load into it — what <c>train</c>, <c>predict</c>, <c>eval</c>,
/// <c>inspect</c>, <c>benchmark</c> and <c>info</c> all ask <see cref="ModelResolver"/> for.
/// </summary>
public sealed record ModelRequest
{
    /// <summary>A weights file (<c>.safetensors</c> or <c>.pth</c>, recognised by content), a checkpoint folder or a
    /// run folder (its latest checkpoint); null for freshly initialised weights.</summary>
    public string? Weights { get; init; }

    /// <summary>A model config JSON file (unknown keys are errors); it wins over every other source of a config.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>A config object (library callers), used when there is no config file and the weights carry none.</summary>
    public MaskRcnnConfig? BaseConfig { get; init; }

    /// <summary>An architecture name (<see cref="MaskRcnnConfig.ArchitectureNames"/>) used when nothing above gives a
    /// config. Without weights its backbone trains from scratch with BatchNorm, as torchvision's does.</summary>
    public string? Architecture { get; init; }

    /// <summary>Classes including background. With a config it must agree; without one it sizes torchvision's
    /// ResNet-50-FPN layout. Null with weights but no config: read off the weights' box classifier.</summary>
    public int? NumClasses { get; init; }

    /// <summary>
    /// Training policy: the data set's foreground classes replace the config's (count and names), and the initial
    /// weights' class-specific layers are re-initialised when their class count differs. Null for inference, where the
    /// config's classes stand and every weight must fit.
    /// </summary>
    public IReadOnlyList<ClassInfo>? DatasetClasses { get; init; }
}
