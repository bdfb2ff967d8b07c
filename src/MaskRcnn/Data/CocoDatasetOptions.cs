using MaskRcnn.Data.Images;

namespace MaskRcnn.Data;

/// <summary>What <see cref="CocoDataset"/> does with an image file that is missing, unreadable or of another
/// size than its <c>images</c> entry says.</summary>
public enum BadImagePolicy
{
    /// <summary>Throw when the image is loaded (<see cref="FileNotFoundException"/> or
    /// <see cref="InvalidDataException"/>, naming the file). The default: a broken data set should stop training.</summary>
    Fail,

    /// <summary>Check every image's header when the data set is opened (exists, decodable header, size as
    /// annotated), leave the bad ones out and report each through <see cref="CocoDatasetOptions.Warn"/>.
    /// Only headers are read, so a file corrupt past its header still fails when loaded.</summary>
    SkipWithWarning,
}

/// <param name="RemoveImagesWithoutAnnotations">Keep only images torchvision's detection references keep
/// (<c>_coco_remove_images_without_annotations</c>): at least one annotation — crowd ones count, as there —
/// and not all of them with a box side ≤ 1 px. Off by default, like the validation split there.</param>
/// <param name="OnBadImage">See <see cref="BadImagePolicy"/>.</param>
/// <param name="Warn">Receives warnings; standard error when null.</param>
/// <param name="Images">How images are read (the 16-bit intensity mapping: the model config's, so that training
/// and prediction see the same pixels); null: <see cref="ImageLoadOptions.Default"/>.</param>
public sealed record CocoDatasetOptions(
    bool RemoveImagesWithoutAnnotations = false,
    BadImagePolicy OnBadImage = BadImagePolicy.Fail,
    Action<string>? Warn = null,
    ImageLoadOptions? Images = null);
