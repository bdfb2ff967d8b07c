namespace MaskRcnn.Data.Shapes;

/// <summary>The synthetic data set's classes; the values are the COCO category ids written to its annotations.</summary>
public enum ShapeKind
{
    Square = 1,
    Circle = 2,
    Triangle = 3,
}
