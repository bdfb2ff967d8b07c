namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>The boxes (xyxy, row-major [N,4]), labels and scores of one ONNX inference; masks are not copied
/// out (100 full-image float masks would add a 200 MB copy to every timed run).</summary>
public sealed record OnnxDetections(float[] Boxes, long[] Labels, float[] Scores)
{
    public int Count => Labels.Length;
}
