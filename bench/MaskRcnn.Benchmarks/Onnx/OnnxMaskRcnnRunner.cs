using Microsoft.ML.OnnxRuntime;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// Runs torchvision's ONNX export of Mask R-CNN (bench/onnx/export_maskrcnn.py) in ONNX Runtime: one
/// float32 [3,H,W] image in [0,1] in, boxes/labels/scores/masks out. The export contains
/// GeneralizedRCNNTransform and the postprocessing, so one call is the whole end-to-end inference.
/// </summary>
public sealed class OnnxMaskRcnnRunner : IDisposable
{
    // The names given to torch.onnx.export, as torchvision's own ONNX test names them.
    const string InputName = "images_tensors";
    static readonly string[] OutputNames = ["boxes", "labels", "scores", "masks"];

    readonly InferenceSession session;
    readonly RunOptions runOptions = new();

    /// <param name="profilePrefix">When set, ORT writes its per-node profile to a JSON file with this prefix
    /// (see <see cref="EndProfiling"/>); profiling adds overhead, so timed runs use a session without it.</param>
    public OnnxMaskRcnnRunner(string modelPath, int intraOpThreads, string? profilePrefix = null)
    {
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model not found: {modelPath} (run bench/onnx/export_maskrcnn.py)", modelPath);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        if (profilePrefix is not null)
        {
            // The prefix must be set first: the EnableProfiling setter hands the current prefix to ORT.
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }
        session = new InferenceSession(modelPath, options);
    }

    /// <summary>One inference on a float32 [3,H,W] image in [0,1].</summary>
    public OnnxDetections Run(float[] chw, int height, int width)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(chw, [3L, height, width]);
        using var outputs = session.Run(runOptions, [InputName], [input], OutputNames);
        return new OnnxDetections(
            outputs[0].GetTensorDataAsSpan<float>().ToArray(),
            outputs[1].GetTensorDataAsSpan<long>().ToArray(),
            outputs[2].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>Stops profiling and returns the path of ORT's profile JSON.</summary>
    public string EndProfiling() => session.EndProfiling();

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
