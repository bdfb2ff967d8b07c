using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>
/// A detection in one tile's own pixels, as the predictor returned it for the cut-out tile: a different type from the
/// whole-image <see cref="InstancePrediction"/> so that tile-frame boxes and masks cannot be mistaken for image-frame
/// ones. <see cref="ToImage"/> maps it into the image.
/// </summary>
public sealed record TileDetection(TileWindow Tile, InstancePrediction InTile)
{
    /// <summary>The box in image pixels.</summary>
    public float[] ImageBox => [InTile.BoxXyxy[0] + Tile.X, InTile.BoxXyxy[1] + Tile.Y, InTile.BoxXyxy[2] + Tile.X, InTile.BoxXyxy[3] + Tile.Y];

    /// <summary>Whether the box comes within <paramref name="margin"/> pixels of a tile edge inside the image.</summary>
    public bool TouchesInnerEdge(int imageWidth, int imageHeight, float margin)
    {
        var b = InTile.BoxXyxy;
        return Tile.TouchesInnerEdge(b[0], b[1], b[2], b[3], imageWidth, imageHeight, margin);
    }

    /// <summary>The mask cropped to its occupied pixels, placed in the <paramref name="imageWidth"/>×<paramref name="imageHeight"/> image.</summary>
    internal CroppedMask Place(int imageWidth, int imageHeight) => InTile.Crop.Tight().Translate(Tile.X, Tile.Y, imageHeight, imageWidth);

    /// <summary>This detection in the <paramref name="imageWidth"/>×<paramref name="imageHeight"/> image's pixels.</summary>
    public InstancePrediction ToImage(int imageWidth, int imageHeight) =>
        InTile with { BoxXyxy = ImageBox, Crop = Place(imageWidth, imageHeight) };
}
