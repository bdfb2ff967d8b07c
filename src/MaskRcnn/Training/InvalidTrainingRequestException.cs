namespace MaskRcnn.Training;

/// <summary>
/// A <see cref="TrainingRequest"/> value that cannot be used (such as an unknown architecture name): the caller's
/// mistake rather than a problem with the data or files, so a command line reports it as a usage error.
/// </summary>
public sealed class InvalidTrainingRequestException(string message, Exception? innerException = null)
    : ArgumentException(message, innerException);
