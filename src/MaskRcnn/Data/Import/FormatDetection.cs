namespace MaskRcnn.Data.Import;

/// <summary>The format a path holds, and what showed it (printed so that a wrong guess is easy to see and override).</summary>
public sealed record FormatDetection(DatasetFormat Format, string Reason);
