using System.Buffers;

namespace MaskRcnn.Data.Masks;

public static partial class MaskApi
{
    // rleFrPoly draws the boundary on a 5x finer grid, then keeps one crossing per pixel column.
    const double PolygonUpsample = 5;

    /// <summary>
    /// Rasterizes one polygon [x1,y1,x2,y2,…] as <c>rleFrPoly</c>: boundary points on a 5× upsampled grid,
    /// then the y-crossings at pixel-column centres, so a pixel is inside when its centre is.
    /// </summary>
    public static Rle FromPolygon(double[] xy, int height, int width)
    {
        CheckSize(height, width);
        int k = xy.Length / 2;
        if (k == 0)
            return new Rle(height, width, [(uint)(height * width)]);
        var x = new int[k + 1];
        var y = new int[k + 1];
        // (int) truncates toward zero, as the C cast does (not floor) for negative coordinates.
        for (int j = 0; j < k; j++) x[j] = (int)(PolygonUpsample * xy[2 * j] + .5);
        for (int j = 0; j < k; j++) y[j] = (int)(PolygonUpsample * xy[2 * j + 1] + .5);
        x[k] = x[0];
        y[k] = y[0];

        long total = 0;
        for (int j = 0; j < k; j++)
            total += Math.Max(Math.Abs(x[j] - x[j + 1]), Math.Abs(y[j] - y[j + 1])) + 1;
        // The upsampled boundary is the bulk of the work and memory: rent it, as pycocotools mallocs it per call.
        var u = ArrayPool<int>.Shared.Rent((int)total);
        var v = ArrayPool<int>.Shared.Rent((int)total);
        int m = 0;
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) { (xs, xe) = (xe, xs); (ys, ye) = (ye, ys); }
            // A zero-length edge makes C divide 0/0; its single point never forms a column crossing, so 0 is as good.
            double s = dx >= dy ? (dx == 0 ? 0 : (double)(ye - ys) / dx) : (double)(xe - xs) / dy;
            if (dx >= dy)
            {
                for (int d = 0; d <= dx; d++)
                {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int)(ys + s * t + .5);
                    m++;
                }
            }
            else
            {
                for (int d = 0; d <= dy; d++)
                {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int)(xs + s * t + .5);
                    m++;
                }
            }
        }

        // Crossings of the boundary with pixel-column centres, downsampled back to pixels.
        var starts = new List<uint>(m / 2 + 1);
        for (int j = 1; j < m; j++)
        {
            if (u[j] == u[j - 1])
                continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / PolygonUpsample - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1)
                continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / PolygonUpsample - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.Ceiling(yd);
            starts.Add((uint)((int)xd * height + (int)yd));
        }
        ArrayPool<int>.Shared.Return(u);
        ArrayPool<int>.Shared.Return(v);
        starts.Add((uint)(height * width));
        starts.Sort();

        // Successive differences are the runs; zero-length runs fold into the previous run as in the C code.
        var runs = new List<uint>(starts.Count);
        uint previous = 0;
        int i = 0;
        uint Next() { uint t = starts[i++]; uint r = t - previous; previous = t; return r; }
        runs.Add(Next());
        while (i < starts.Count)
        {
            uint r = Next();
            if (r > 0)
                runs.Add(r);
            else if (i < starts.Count)
                runs[^1] += Next();
        }
        return new Rle(height, width, runs.ToArray());
    }

    /// <summary>
    /// Rasterizes a multi-part polygon segmentation as pycocotools' <c>annToRLE</c>: each part with
    /// <see cref="FromPolygon"/>, then their union.
    /// </summary>
    public static Rle FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        var parts = new Rle[polygons.Count];
        for (int i = 0; i < parts.Length; i++)
            parts[i] = FromPolygon(polygons[i], height, width);
        return parts.Length == 0 ? new Rle(height, width, [(uint)(height * width)]) : Merge(parts);
    }

    /// <summary>Rasterizes an [x, y, w, h] box as <c>rleFrBbox</c> (the box as a 4-point polygon).</summary>
    public static Rle FromBbox(double[] xywh, int height, int width)
    {
        double xs = xywh[0], xe = xs + xywh[2], ys = xywh[1], ye = ys + xywh[3];
        return FromPolygon([xs, ys, xs, ye, xe, ye, xe, ys], height, width);
    }
}
