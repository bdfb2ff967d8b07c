namespace MaskRcnn.Inference;

/// <summary>How <see cref="TiledPredictor"/> cuts an image and joins the tiles' detections.</summary>
public sealed record TilingOptions
{
    /// <summary>S: tiles are S×S pixels (sides of the image shorter than S are one tile of that side).</summary>
    public required int TileSize { get; init; }

    /// <summary>O: pixels shared by neighbouring tiles. Objects up to O − 2·<see cref="EdgeMargin"/> pixels across are
    /// always seen whole by some tile; larger ones are joined from pieces.</summary>
    public required int Overlap { get; init; }

    /// <summary>A detection whose box comes within this many pixels of a tile edge inside the image counts as cut by
    /// that edge (a predicted box may stop a pixel short of the edge that cut its object).</summary>
    public float EdgeMargin { get; init; } = 2;

    /// <summary>Two detections of the same class from different tiles are one object when their masks' IoU, counted
    /// where the two tiles overlap, exceeds this.</summary>
    public double MergeIou { get; init; } = 0.5;

    /// <exception cref="ArgumentException">A size below 1, an overlap outside [0, S), a negative margin or an IoU outside
    /// [0, 1); the message is one line.</exception>
    public void Validate()
    {
        string? problem =
            TileSize < 1 ? $"the tile size must be at least 1 pixel, got {TileSize}"
            : Overlap < 0 || Overlap >= TileSize ? $"the tile overlap must be in [0, {TileSize}) for {TileSize}-pixel tiles, got {Overlap}"
            : !(EdgeMargin >= 0) ? $"the edge margin must be 0 or more, got {EdgeMargin}"
            : !(MergeIou >= 0 && MergeIou < 1) ? $"the merge IoU must be in [0, 1), got {MergeIou}"
            : null;
        if (problem is not null) throw new ArgumentException(problem);
    }
}
