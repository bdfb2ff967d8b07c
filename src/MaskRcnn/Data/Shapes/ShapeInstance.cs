namespace MaskRcnn.Data.Shapes;

/// <summary>
/// One visible shape: its class, the pixels of it that remain visible (row-major H×W, 1 = visible), and —
/// for squares and triangles — its outline as a flat [x1,y1,x2,y2,…] polygon in pixel coordinates.
/// </summary>
public sealed record ShapeInstance(ShapeKind Kind, byte[] VisibleMask, double[]? Outline);
