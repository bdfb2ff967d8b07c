namespace MaskRcnn.Data.Masks;

/// <summary>
/// A binary mask as pycocotools' run-length encoding: alternating runs of 0s and 1s (starting with 0s)
/// over the mask read in column-major (Fortran) order, as COCO stores it.
/// </summary>
public sealed record Rle(int Height, int Width, uint[] Counts);
