using MaskRcnn.Modeling;
using TorchSharp;

namespace MaskRcnn.Tests.Modeling;

public sealed class PredictMemoryTests
{
    [Fact]
    public void Predict_leaves_no_live_tensor_but_the_returned_detections()
    {
        using var model = TinyModel.Load();
        var outputs = TinyModel.Outputs();
        var images = TinyModel.Images(outputs);
        foreach (var d in model.Predict(images)) d.Dispose(); // warm-up: lazily created state is not a leak
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        long before = stats.ThreadTotalLiveCount;
        var detections = model.Predict(images);
        Assert.Equal(before + 3 * detections.Count, stats.ThreadTotalLiveCount); // boxes, scores, labels; the pasted masks are managed
        foreach (var d in detections) d.Dispose();
        Assert.Equal(before, stats.ThreadTotalLiveCount);
        foreach (var t in outputs.Values.Concat(images)) t.Dispose();
    }

    [Fact]
    public void Stage_timings_are_reported_in_pipeline_order()
    {
        using var model = TinyModel.Load();
        var outputs = TinyModel.Outputs();
        var images = TinyModel.Images(outputs);
        var stages = new List<string>();
        foreach (var d in model.Predict(images, new StageList(stages))) d.Dispose();
        Assert.Equal(["transform", "backbone", "fpn", "rpn", "box_head", "mask_head", "postprocess"], stages);
        foreach (var t in outputs.Values.Concat(images)) t.Dispose();
    }

    sealed class StageList(List<string> stages) : IInferenceObserver
    {
        public void StageCompleted(string stage, TimeSpan elapsed)
        {
            Assert.True(elapsed >= TimeSpan.Zero);
            stages.Add(stage);
        }
    }
}
