namespace MaskRcnn.Data.Coco;

/// <summary>
/// How <see cref="CocoJson"/> treats invalid items (an annotation on an unknown image, a degenerate polygon or
/// box, an RLE of the wrong size, a result on an unknown image…).
/// </summary>
/// <param name="SkipInvalid">
/// False (default): the first invalid item throws <see cref="CocoFormatException"/>. True: invalid items are
/// dropped and each is reported through <paramref name="Warn"/>. Malformed JSON always throws.
/// </param>
/// <param name="Warn">Receives one message per skipped item; null writes them to standard error.</param>
public sealed record CocoReadOptions(bool SkipInvalid = false, Action<string>? Warn = null)
{
    public static CocoReadOptions Strict { get; } = new();

    internal void Report(string message) => (Warn ?? Console.Error.WriteLine)(message);
}
