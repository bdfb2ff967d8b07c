namespace MaskRcnn.Data.Import;

/// <summary>
/// Annotations that cannot be imported. The message is one line naming the file, the item (e.g. <c>region 3 of
/// 'cells_01.png'</c>) and the problem, as <see cref="MaskRcnn.Data.Coco.CocoFormatException"/> does for COCO files.
/// </summary>
public sealed class ImportFormatException : Exception
{
    public ImportFormatException(string message) : base(message) { }

    public ImportFormatException(string message, Exception inner) : base(message, inner) { }
}
