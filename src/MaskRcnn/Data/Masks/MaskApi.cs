namespace MaskRcnn.Data.Masks;

/// <summary>
/// Binary-mask operations on <see cref="Rle"/>, pixel-exact with pycocotools' <c>maskApi.c</c>
/// (the C core behind <c>pycocotools.mask</c>): encode/decode, union/intersection, area, bounding box,
/// polygon and box rasterization, IoU, and the compressed ASCII form of the counts.
/// </summary>
/// <remarks>
/// Masks given or returned as byte arrays are row-major H×W (as numpy images); RLE counts follow COCO's
/// column-major order. A valid RLE's counts sum to <c>Height*Width</c>.
/// </remarks>
public static partial class MaskApi
{
    /// <summary>Run-length encodes a row-major H×W mask (nonzero = foreground), as <c>rleEncode</c>.</summary>
    public static Rle Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        CheckSize(height, width);
        if (mask.Length != (long)height * width)
            throw new ArgumentException($"mask has {mask.Length} bytes, expected {height}x{width}", nameof(mask));
        return Encode(mask, height, width, new MaskWindow(0, 0, width, height));
    }

    /// <summary>
    /// Run-length encodes a <see cref="CroppedMask"/> in its whole image's frame, straight from the crop: the columns
    /// outside the window are runs of H zeros, and within it the rows above and below are zeros — the runs
    /// <c>rleEncode</c> gives for the full-frame mask, without making it.
    /// </summary>
    public static Rle Encode(CroppedMask mask) => Encode(mask.Pixels, mask.ImageHeight, mask.ImageWidth, mask.Window);

    /// <summary>COCO's column-major runs of an H×W image that is zero outside <paramref name="window"/>, whose pixels
    /// <paramref name="crop"/> holds row-major.</summary>
    static Rle Encode(ReadOnlySpan<byte> crop, int height, int width, MaskWindow window)
    {
        CheckSize(height, width);
        var counts = new List<uint>();
        bool previous = false;
        uint run = 0;
        void Add(bool value, uint length)
        {
            if (length == 0) return;
            if (value != previous)
            {
                counts.Add(run);
                run = 0;
                previous = value;
            }
            run += length;
        }
        int cw = window.Width;
        for (int x = 0; x < width; x++)
        {
            if (window.IsEmpty || x < window.X0 || x >= window.X1)
            {
                Add(false, (uint)height);
                continue;
            }
            Add(false, (uint)window.Y0);
            for (int y = window.Y0; y < window.Y1; y++) Add(crop[(y - window.Y0) * cw + (x - window.X0)] != 0, 1);
            Add(false, (uint)(height - window.Y1));
        }
        counts.Add(run);
        return new Rle(height, width, counts.ToArray());
    }

    /// <summary>Decodes an RLE to a row-major H×W mask of 0/1 bytes, as <c>rleDecode</c> (then transposed).</summary>
    public static byte[] Decode(Rle rle)
    {
        int h = rle.Height, w = rle.Width;
        var mask = new byte[(long)h * w];
        long position = 0;
        for (int i = 0; i < rle.Counts.Length; i++)
        {
            long end = position + rle.Counts[i];
            if (end > mask.LongLength)
                throw new ArgumentException($"RLE counts sum past {h}x{w}", nameof(rle));
            if ((i & 1) == 1)
            {
                for (long p = position; p < end; p++)
                {
                    long x = p / h, y = p - x * h;
                    mask[y * w + x] = 1;
                }
            }
            position = end;
        }
        return mask;
    }

    /// <summary>Builds an RLE from counts given as a JSON "uncompressed RLE" (<c>frUncompressedRLE</c>).</summary>
    public static Rle FromUncompressed(IReadOnlyList<long> counts, int height, int width)
    {
        CheckSize(height, width);
        var result = new uint[counts.Count];
        for (int i = 0; i < result.Length; i++)
        {
            if (counts[i] < 0 || counts[i] > uint.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(counts), $"count {counts[i]} at index {i} is not a uint32");
            result[i] = (uint)counts[i];
        }
        return new Rle(height, width, result);
    }

    /// <summary>Number of foreground pixels (<c>rleArea</c>): the sum of the odd-indexed runs.</summary>
    public static long Area(Rle rle)
    {
        long area = 0;
        var counts = rle.Counts;
        for (int j = 1; j < counts.Length; j += 2)
            area += counts[j];
        return area;
    }

    /// <summary>
    /// Union (or intersection) of same-size masks, as <c>rleMerge</c>; an empty list gives a 0×0 RLE.
    /// </summary>
    public static Rle Merge(IReadOnlyList<Rle> rles, bool intersect = false)
    {
        if (rles.Count == 0)
            return new Rle(0, 0, []);
        var first = rles[0];
        if (rles.Count == 1)
            return new Rle(first.Height, first.Width, (uint[])first.Counts.Clone());
        int h = first.Height, w = first.Width;
        var a = (uint[])first.Counts.Clone();
        int aLength = a.Length;
        var buffer = Array.Empty<uint>();
        for (int i = 1; i < rles.Count; i++)
        {
            var b = rles[i];
            if (b.Height != h || b.Width != w)
                throw new ArgumentException($"cannot merge a {b.Height}x{b.Width} RLE with a {h}x{w} one", nameof(rles));
            // Every output run ends where a run of either input ends: at most |a| + |b| runs (the C code allocates h*w+1).
            if (buffer.Length < aLength + b.Counts.Length)
                buffer = new uint[aLength + b.Counts.Length];
            aLength = MergePair(a, aLength, b.Counts, intersect, buffer);
            if (a.Length < aLength)
                a = new uint[aLength];
            Array.Copy(buffer, a, aLength);
        }
        return new Rle(h, w, a.AsSpan(0, aLength).ToArray());
    }

    // The two-pointer run walk of rleMerge for one pair; the merged counts are written to `output`.
    static int MergePair(uint[] a, int aLength, uint[] b, bool intersect, uint[] output)
    {
        if (aLength == 0 || b.Length == 0)
            return 0;
        uint ca = a[0], cb = b[0], cc = 0, ct = 1;
        bool v = false, va = false, vb = false;
        int m = 0, ia = 1, ib = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            cc += c;
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < aLength) { ca = a[ia++]; va = !va; }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length) { cb = b[ib++]; vb = !vb; }
            ct += cb;
            bool vp = v;
            v = intersect ? va && vb : va || vb;
            if (v != vp || ct == 0) { output[m++] = cc; cc = 0; }
        }
        return m;
    }

    /// <summary>
    /// Bounding box [x, y, w, h] of the foreground, as <c>rleToBbox</c>: when a run of ones crosses a column
    /// boundary the box spans the full height (pycocotools' shortcut, matched on purpose); empty masks give zeros.
    /// </summary>
    public static double[] ToBbox(Rle rle)
    {
        uint h = (uint)rle.Height;
        var counts = rle.Counts;
        int m = counts.Length / 2 * 2;
        if (m == 0 || h == 0)
            return [0, 0, 0, 0];
        uint xs = (uint)rle.Width, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
        for (int j = 0; j < m; j++)
        {
            cc += counts[j];
            uint t = cc - (uint)(j % 2);
            uint y = t % h, x = (t - y) / h;
            if (j % 2 == 0) xp = x;
            else if (xp < x) { ys = 0; ye = h - 1; }
            xs = Math.Min(xs, x); xe = Math.Max(xe, x);
            ys = Math.Min(ys, y); ye = Math.Max(ye, y);
        }
        return [xs, ys, xe - xs + 1, ye - ys + 1];
    }

    static void CheckSize(int height, int width)
    {
        if (height < 0 || width < 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"mask size {height}x{width} is negative");
    }
}
