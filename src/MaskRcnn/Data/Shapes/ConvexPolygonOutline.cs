namespace MaskRcnn.Data.Shapes;

/// <summary>A convex polygon whose vertices go by increasing angle about the centre — positively oriented in
/// (x, y), which is clockwise on screen since y points down.</summary>
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
            // With that orientation an inside point has a non-negative cross product with every edge.
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
