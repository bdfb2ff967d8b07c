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

sealed record CircleOutline(double CenterX, double CenterY, double Radius) : ShapeOutline(ShapeKind.Circle)
{
    public override bool Contains(double x, double y)
    {
        double dx = x - CenterX, dy = y - CenterY;
        return dx * dx + dy * dy <= Radius * Radius;
    }

    public override double BoundingRadius => Radius;
}

/// <summary>A convex polygon with vertices in counter-clockwise order (in image coordinates, y down).</summary>
sealed record ConvexPolygonOutline(ShapeKind Kind, double CenterX, double CenterY, double[] Vertices) : ShapeOutline(Kind)
{
    public static ConvexPolygonOutline Regular(ShapeKind kind, int corners, double centerX, double centerY,
        double circumradius, double rotation)
    {
        var v = new double[corners * 2];
        for (int i = 0; i < corners; i++)
        {
            double a = rotation + 2 * Math.PI * i / corners;
            v[2 * i] = centerX + circumradius * Math.Cos(a);
            v[2 * i + 1] = centerY + circumradius * Math.Sin(a);
        }
        return new ConvexPolygonOutline(kind, centerX, centerY, v);
    }

    public override bool Contains(double x, double y)
    {
        int n = Vertices.Length / 2;
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            double ax = Vertices[2 * i], ay = Vertices[2 * i + 1], bx = Vertices[2 * j], by = Vertices[2 * j + 1];
            // Vertices go counter-clockwise as angles increase; a point inside is left of every edge.
            if ((bx - ax) * (y - ay) - (by - ay) * (x - ax) < 0) return false;
        }
        return true;
    }

    public override double BoundingRadius
    {
        get
        {
            double r = 0;
            for (int i = 0; i < Vertices.Length; i += 2)
                r = Math.Max(r, Math.Sqrt(Math.Pow(Vertices[i] - CenterX, 2) + Math.Pow(Vertices[i + 1] - CenterY, 2)));
            return r;
        }
    }

    public override double[] Polygon => Vertices;
}
