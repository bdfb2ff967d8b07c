namespace MaskRcnn.Data.Import;

/// <summary>
/// Annotation tools' shapes as polygons (flat [x1,y1,…] in pixel coordinates), so every object is rasterized by the
/// same pycocotools polygon rule. Circles and ellipses get one vertex per pixel of circumference (at least 16, at
/// most 720): the chords then depart from the true curve by r·(1 - cos(π/n)) ≈ 1/(8r) px, under 0.05 px for
/// any radius up to 5000 px.
/// </summary>
internal static class ShapePolygons
{
    public static double[] Rectangle(double x, double y, double width, double height) =>
        [x, y, x + width, y, x + width, y + height, x, y + height];

    public static double[] Circle(double cx, double cy, double r) => Ellipse(cx, cy, r, r, 0);

    /// <summary>An ellipse with radii <paramref name="rx"/>, <paramref name="ry"/>, rotated by <paramref name="theta"/> radians (VIA's <c>theta</c>).</summary>
    public static double[] Ellipse(double cx, double cy, double rx, double ry, double theta)
    {
        int n = (int)Math.Clamp(Math.Ceiling(2 * Math.PI * Math.Max(Math.Abs(rx), Math.Abs(ry))), 16, 720);
        var xy = new double[2 * n];
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        for (int k = 0; k < n; k++)
        {
            double a = 2 * Math.PI * k / n, ex = rx * Math.Cos(a), ey = ry * Math.Sin(a);
            xy[2 * k] = cx + ex * cos - ey * sin;
            xy[2 * k + 1] = cy + ex * sin + ey * cos;
        }
        return xy;
    }

    /// <summary>Interleaves VIA's separate x and y lists; null when their lengths differ.</summary>
    public static double[]? Interleave(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count) return null;
        var xy = new double[2 * xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            xy[2 * i] = xs[i];
            xy[2 * i + 1] = ys[i];
        }
        return xy;
    }
}
