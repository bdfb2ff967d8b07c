using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>
/// Prediction on images larger than the model should see at once: overlapping S×S tiles (<see cref="TileWindow.Cover"/>)
/// are predicted one by one, and their detections (<see cref="TileDetection"/>, tile pixels) are joined into one
/// whole-image list (<see cref="InstancePrediction"/>, image pixels) by these rules:
/// <list type="number">
/// <item>A detection whose box touches a tile edge that lies inside the image (within <see cref="TilingOptions.EdgeMargin"/>)
/// may be a cut object: it is dropped when another tile holds its box whole (away from that tile's inner edges) — that
/// tile saw the object entire and reports it itself.</item>
/// <item>Detections of the same class from different tiles whose masks overlap with IoU above
/// <see cref="TilingOptions.MergeIou"/> — counted only where the two tiles overlap, the part of the image both saw, so
/// that two pieces of one cut object agree there as much as two whole copies do — are one object. Taken by score, highest first: when both are whole (neither touches an inner edge) the
/// lower-scoring one is suppressed, as mask NMS; when either is a piece cut by a tile edge (an object too large for the
/// overlap), they are joined: union of masks and boxes, the higher score.</item>
/// <item>Detections from the same tile are never merged with each other: within a tile the model's own NMS decided.</item>
/// </list>
/// So an object smaller than the overlap is reported once, whole, from a tile that contains it, and where no object
/// crosses a tile edge the result is what predicting the whole image with the same per-object behaviour gives.
/// Output is by score descending (ties in tile order).
/// </summary>
public sealed class TiledPredictor
{
    readonly Func<RgbImage, IReadOnlyList<InstancePrediction>> predict;

    public TilingOptions Options { get; }

    /// <param name="predict">Detections of one image in its own pixels, e.g. <see cref="Predictor.Predict(RgbImage)"/>.</param>
    /// <param name="options">Tile size, overlap and joining rules.</param>
    public TiledPredictor(Func<RgbImage, IReadOnlyList<InstancePrediction>> predict, TilingOptions options)
    {
        options.Validate();
        this.predict = predict;
        Options = options;
    }

    public TiledPredictor(Predictor predictor, TilingOptions options) : this(predictor.Predict, options) { }

    /// <summary>Every tile's detections, in the tiles' own pixels (row-major tile order).</summary>
    public IReadOnlyList<TileDetection> PredictTiles(RgbImage image) =>
        TileWindow.Cover(image.Width, image.Height, Options.TileSize, Options.Overlap)
            .SelectMany(tile => predict(tile.Cut(image)).Select(d => new TileDetection(tile, d)))
            .ToArray();

    /// <summary>The joined detections of <paramref name="image"/> in its own pixels, by score descending.</summary>
    public IReadOnlyList<InstancePrediction> Predict(RgbImage image) => Join(PredictTiles(image), image.Width, image.Height);

    /// <summary>Joins tile detections of a <paramref name="width"/>×<paramref name="height"/> image by the rules above.</summary>
    public IReadOnlyList<InstancePrediction> Join(IReadOnlyList<TileDetection> detections, int width, int height)
    {
        var tiles = detections.Select(d => d.Tile).Distinct().ToArray();
        float margin = Options.EdgeMargin;
        var candidates = detections
            .Select((d, order) => (Detection: d, Order: order, Piece: d.TouchesInnerEdge(width, height, margin)))
            .Where(c => !c.Piece || !tiles.Any(t => t != c.Detection.Tile && t.HoldsWhole(c.Detection.ImageBox, width, height, margin)))
            .OrderByDescending(c => c.Detection.InTile.Score).ThenBy(c => c.Order)
            .ToArray();

        var kept = new List<Joined>();
        foreach (var (d, _, piece) in candidates)
        {
            var mask = d.Place(width, height);
            var match = kept.FirstOrDefault(k => k.Label == d.InTile.Label && !k.Tiles.Contains(d.Tile)
                && k.Tiles.Any(t => t.Intersect(d.Tile) is { } shared && k.Mask.IouWithin(mask, shared.Pixels) > Options.MergeIou));
            if (match is null)
            {
                kept.Add(new Joined(d.InTile with { BoxXyxy = d.ImageBox }, mask, [d.Tile], piece));
                continue;
            }
            if (!match.Piece && !piece) continue; // a whole duplicate of a whole object: suppressed
            var a = match.Properties.BoxXyxy;
            var b = d.ImageBox;
            match.Properties = match.Properties with
            {
                BoxXyxy = [Math.Min(a[0], b[0]), Math.Min(a[1], b[1]), Math.Max(a[2], b[2]), Math.Max(a[3], b[3])],
            };
            match.Mask = match.Mask.Union(mask);
            match.Tiles.Add(d.Tile);
            match.Piece |= piece;
        }
        return kept.Select(k => k.Properties with { Crop = k.Mask }).ToArray();
    }

    /// <summary>An object being assembled: image-frame properties (score of its best part), mask, source tiles.</summary>
    sealed class Joined(InstancePrediction properties, CroppedMask mask, List<TileWindow> tiles, bool piece)
    {
        public InstancePrediction Properties { get; set; } = properties;
        public CroppedMask Mask { get; set; } = mask;
        public List<TileWindow> Tiles { get; } = tiles;
        public bool Piece { get; set; } = piece;
        public int Label => Properties.Label;
    }
}
