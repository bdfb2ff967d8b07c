using System.Text.Json;

namespace MaskRcnn.Data.Coco;

/// <summary>
/// Feeds a <see cref="Utf8JsonReader"/> from a stream block by block, so a COCO file of hundreds of MB is
/// parsed without holding its text (or a DOM of it) in memory. The buffer grows only when a single token
/// (e.g. a long compressed RLE string) does not fit.
/// </summary>
internal sealed class JsonStreamReader
{
    const int InitialBufferSize = 1 << 20;
    static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    readonly Stream stream;
    byte[] buffer;
    int length;
    bool endOfStream;
    long blockStart;

    public JsonStreamReader(Stream stream, int initialBufferSize = InitialBufferSize)
    {
        this.stream = stream;
        buffer = new byte[Math.Max(16, initialBufferSize)];
        Fill(0);
        if (buffer.AsSpan(0, length).StartsWith(Utf8Bom))
        {
            Buffer.BlockCopy(buffer, Utf8Bom.Length, buffer, 0, length - Utf8Bom.Length);
            blockStart = Utf8Bom.Length;
            Fill(length - Utf8Bom.Length);
        }
    }

    public Utf8JsonReader CreateReader() => new(buffer.AsSpan(0, length), endOfStream, default);

    /// <summary>Advances to the next token, refilling the buffer as needed; false at the end of the input.</summary>
    public bool Read(ref Utf8JsonReader reader)
    {
        while (!reader.Read())
        {
            if (endOfStream)
                return false;
            int consumed = (int)reader.BytesConsumed;
            if (consumed == 0)
                Array.Resize(ref buffer, buffer.Length * 2);
            else
                Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            blockStart += consumed;
            Fill(length - consumed);
            reader = new Utf8JsonReader(buffer.AsSpan(0, length), endOfStream, reader.CurrentState);
        }
        return true;
    }

    /// <summary>Skips the current value (and, on a property name, the value after it).</summary>
    public void Skip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.PropertyName)
            Read(ref reader);
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            int depth = reader.CurrentDepth;
            while (Read(ref reader) && reader.CurrentDepth > depth) { }
        }
    }

    /// <summary>Byte offset of the current token from the start of the file.</summary>
    public long Offset(in Utf8JsonReader reader) => blockStart + reader.TokenStartIndex;

    void Fill(int kept)
    {
        length = kept;
        while (length < buffer.Length)
        {
            int read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                endOfStream = true;
                break;
            }
            length += read;
        }
    }
}
