namespace MaskRcnn.Data.Shapes;

/// <summary>
/// A shape's exact geometry. A pixel belongs to the shape when its centre (x+½, y+½) lies inside (edges
/// included), with no anti-aliasing, so the drawn pixels and the instance mask are the same set by construction.
/// </summary>
abstract record ShapeOutline(ShapeKind Kind)
{
    public abstract bool Contains(double x, double y);

    /// <summary>Radius of a circle around the centre that holds the whole shape (keeps shapes inside the image).</summary>
    public abstract double BoundingRadius { get; }

    /// <summary>The polygon, for shapes that are one (flat [x1,y1,…]); null for circles.</summary>
    public virtual double[]? Polygon => null;

    /// <summary>Marks the shape's pixels in a row-major mask of the given size; returns how many.</summary>
    public int Rasterize(bool[] mask, int width, int height)
    {
        int count = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (Contains(x + 0.5, y + 0.5)) { mask[y * width + x] = true; count++; }
        return count;
    }
}
