using System.Text;

namespace MaskRcnn.Data.Masks;

public static partial class MaskApi
{
    /// <summary>
    /// COCO's compressed counts string (<c>rleToString</c>): each count, after the third, as the difference
    /// to the count two places back, written LEB128-like in 5-bit groups with a continuation bit, as ASCII 48–111.
    /// </summary>
    public static string ToCompressedString(Rle rle)
    {
        var counts = rle.Counts;
        var text = new StringBuilder(counts.Length * 2);
        for (int i = 0; i < counts.Length; i++)
        {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            bool more = true;
            while (more)
            {
                int c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                text.Append((char)(c + 48));
            }
        }
        return text.ToString();
    }

    /// <summary>Decodes a compressed counts string (<c>rleFrString</c>) for an H×W mask.</summary>
    /// <exception cref="FormatException">A character outside COCO's alphabet, a truncated value, or a negative count.</exception>
    public static Rle FromCompressedString(string counts, int height, int width)
    {
        CheckSize(height, width);
        var result = new List<uint>(counts.Length);
        int p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= counts.Length)
                    throw new FormatException($"compressed RLE counts end inside a value at character {p}");
                int c = counts[p] - 48;
                if (c < 0 || c > 63)
                    throw new FormatException($"character '{counts[p]}' at {p} is not in the compressed RLE alphabet");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (result.Count > 2) x += result[^2];
            if (x < 0 || x > uint.MaxValue)
                throw new FormatException($"compressed RLE count {result.Count} decodes to {x}");
            result.Add((uint)x);
        }
        return new Rle(height, width, result.ToArray());
    }
}
