namespace MaskRcnn.Data.Coco;

/// <summary>
/// A COCO JSON file that cannot be used: malformed JSON or an invalid item. The message names the file,
/// the item (e.g. <c>annotations[12] (id 907)</c>) and the problem.
/// </summary>
public sealed class CocoFormatException : Exception
{
    public CocoFormatException(string message) : base(message) { }

    public CocoFormatException(string message, Exception inner) : base(message, inner) { }
}
