namespace MaskRcnn.Data.Masks;

public static partial class MaskApi
{
    /// <summary>
    /// Mask IoU matrix [detection, ground truth] as <c>rleIou</c>. For a crowd ground truth the union is
    /// replaced by the detection's area (the fraction of the detection inside the crowd region).
    /// A size mismatch between masks whose boxes overlap gives -1, as in pycocotools.
    /// </summary>
    public static double[,] Iou(IReadOnlyList<Rle> dt, IReadOnlyList<Rle> gt, IReadOnlyList<bool> gtIsCrowd)
    {
        CheckCrowdFlags(gt.Count, gtIsCrowd);
        var dtBoxes = new double[dt.Count][];
        var gtBoxes = new double[gt.Count][];
        for (int d = 0; d < dt.Count; d++) dtBoxes[d] = ToBbox(dt[d]);
        for (int g = 0; g < gt.Count; g++) gtBoxes[g] = ToBbox(gt[g]);
        var iou = new double[dt.Count, gt.Count];
        for (int d = 0; d < dt.Count; d++)
            for (int g = 0; g < gt.Count; g++)
                iou[d, g] = RleIou(dt[d], dtBoxes[d], gt[g], gtBoxes[g], gtIsCrowd[g]);
        return iou;
    }

    /// <summary>
    /// IoU of one detection and one ground-truth mask with their precomputed <see cref="ToBbox"/> boxes:
    /// the box IoU screens out disjoint pairs before walking the runs, as <c>rleIou</c> does.
    /// </summary>
    internal static double RleIou(Rle dt, double[] dtBox, Rle gt, double[] gtBox, bool crowd)
    {
        if (BoxIou(dtBox, gtBox, crowd) <= 0)
            return 0;
        if (dt.Height != gt.Height || dt.Width != gt.Width)
            return -1;
        uint[] a = dt.Counts, b = gt.Counts;
        int ka = a.Length, kb = b.Length, ia = 1, ib = 1;
        uint ca = a[0], cb = b[0], ct = 1;
        long intersection = 0, union = 0;
        bool va = false, vb = false;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb)
            {
                union += c;
                if (va && vb) intersection += c;
            }
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < ka) { ca = a[ia++]; va = !va; }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < kb) { cb = b[ib++]; vb = !vb; }
            ct += cb;
        }
        if (intersection == 0) union = 1;
        else if (crowd) union = Area(dt);
        return (double)intersection / union;
    }

    /// <summary>
    /// Box IoU matrix [detection, ground truth] for [x, y, w, h] boxes as <c>bbIou</c>; for a crowd
    /// ground truth the union is the detection's area.
    /// </summary>
    public static double[,] BoxIou(IReadOnlyList<double[]> dt, IReadOnlyList<double[]> gt, IReadOnlyList<bool> gtIsCrowd)
    {
        CheckCrowdFlags(gt.Count, gtIsCrowd);
        var iou = new double[dt.Count, gt.Count];
        for (int d = 0; d < dt.Count; d++)
            for (int g = 0; g < gt.Count; g++)
                iou[d, g] = BoxIou(dt[d], gt[g], gtIsCrowd[g]);
        return iou;
    }

    internal static double BoxIou(double[] d, double[] g, bool crowd)
    {
        double w = Math.Min(d[2] + d[0], g[2] + g[0]) - Math.Max(d[0], g[0]);
        if (w <= 0) return 0;
        double h = Math.Min(d[3] + d[1], g[3] + g[1]) - Math.Max(d[1], g[1]);
        if (h <= 0) return 0;
        double intersection = w * h, dtArea = d[2] * d[3];
        double union = crowd ? dtArea : dtArea + g[2] * g[3] - intersection;
        return intersection / union;
    }

    static void CheckCrowdFlags(int gtCount, IReadOnlyList<bool> gtIsCrowd)
    {
        if (gtIsCrowd.Count != gtCount)
            throw new ArgumentException($"{gtIsCrowd.Count} crowd flags for {gtCount} ground-truth objects", nameof(gtIsCrowd));
    }
}
