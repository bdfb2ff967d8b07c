namespace MaskRcnn.Data.Masks;

/// <summary>A rectangle of an image's pixels: columns <c>[X0, X1)</c> and rows <c>[Y0, Y1)</c> (empty when either range is).</summary>
public readonly record struct MaskWindow(int X0, int Y0, int X1, int Y1)
{
    public int Width => Math.Max(X1 - X0, 0);
    public int Height => Math.Max(Y1 - Y0, 0);
    public bool IsEmpty => Width == 0 || Height == 0;
    public long Area => (long)Width * Height;

    public bool Contains(int x, int y) => x >= X0 && x < X1 && y >= Y0 && y < Y1;

    /// <summary>The smallest window holding both (an empty one holds nothing).</summary>
    public MaskWindow Union(MaskWindow other) =>
        IsEmpty ? other : other.IsEmpty ? this
            : new(Math.Min(X0, other.X0), Math.Min(Y0, other.Y0), Math.Max(X1, other.X1), Math.Max(Y1, other.Y1));

    public MaskWindow Intersect(MaskWindow other) =>
        new(Math.Max(X0, other.X0), Math.Max(Y0, other.Y0), Math.Min(X1, other.X1), Math.Min(Y1, other.Y1));
}
