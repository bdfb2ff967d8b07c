namespace MaskRcnn.Data.Shapes;

/// <summary>A disc: pixels whose centres are within <c>Radius</c> of the centre.</summary>
sealed record CircleOutline(double CenterX, double CenterY, double Radius) : ShapeOutline(ShapeKind.Circle)
{
    public override bool Contains(double x, double y)
    {
        double dx = x - CenterX, dy = y - CenterY;
        return dx * dx + dy * dy <= Radius * Radius;
    }

    public override double BoundingRadius => Radius;
}
