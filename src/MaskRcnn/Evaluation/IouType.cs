namespace MaskRcnn.Evaluation;

/// <summary>What COCO evaluation overlaps: boxes (<c>bbox</c>) or instance masks (<c>segm</c>).</summary>
public enum IouType
{
    Bbox,
    Segm,
}
