using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Inference;

public sealed class PredictorTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    [Fact]
    public void Instances_are_sorted_by_score_inside_the_image_with_their_mask_as_rle()
    {
        using var predictor = Predictor.Load(files.WeightsPath);
        var instances = predictor.Predict(files.ImageA);
        Assert.NotEmpty(instances);
        for (int i = 1; i < instances.Count; i++) Assert.True(instances[i - 1].Score >= instances[i].Score);
        foreach (var p in instances)
        {
            var b = p.BoxXyxy;
            Assert.True(0 <= b[0] && b[0] <= b[2] && b[2] <= TinyPredictorFiles.Width, $"x: {b[0]}..{b[2]}");
            Assert.True(0 <= b[1] && b[1] <= b[3] && b[3] <= TinyPredictorFiles.Height, $"y: {b[1]}..{b[3]}");
            Assert.Equal((TinyPredictorFiles.Height, TinyPredictorFiles.Width), (p.Rle.Height, p.Rle.Width));
            // The README's library example: an H×W mask made from the crop, and its RLE.
            Assert.Equal(TinyPredictorFiles.Width * TinyPredictorFiles.Height, p.Mask.Length);
            Assert.Equal(p.Mask, MaskApi.Decode(p.Rle));
            Assert.Equal(p.Crop.Area, p.Mask.Count(v => v != 0));
            Assert.All(p.Mask, v => Assert.True(v <= 1));
            var expected = TinyPredictorFiles.Config.Classes[p.Label - 1];
            Assert.Equal((expected.Name, expected.CategoryId), (p.ClassName, p.CategoryId));
        }
        Assert.Contains(instances, p => p.Crop.Window.Area < (long)TinyPredictorFiles.Width * TinyPredictorFiles.Height);
    }

    [Fact]
    public void Instances_are_the_models_detections_above_the_threshold_with_masks_above_one_half()
    {
        using var model = files.LoadModel();
        var image = ImageIo.Load(files.ImageB);
        using var scope = NewDisposeScope();
        var d = model.Predict([ImageIo.ToTensor(image)])[0];
        var scores = d.Scores.data<float>().ToArray();
        // The median score as threshold, so that the predictor has to drop about half of the detections.
        float threshold = scores.Order().ElementAt(scores.Length / 2);
        var kept = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= threshold).OrderByDescending(i => scores[i]).ToList();

        using var predictor = new Predictor(model, new PredictorOptions { ScoreThreshold = threshold });
        var instances = predictor.Predict(image);

        Assert.Equal(kept.Count, instances.Count);
        Assert.True(kept.Count < scores.Length);
        var labels = d.Labels.data<long>().ToArray();
        for (int k = 0; k < kept.Count; k++)
        {
            int i = kept[k];
            Assert.Equal(scores[i], instances[k].Score);
            Assert.Equal((int)labels[i], instances[k].Label);
            Assert.Equal(d.Boxes[i].data<float>().ToArray(), instances[k].BoxXyxy);
            using var full = d.Masks.ToTensor();
            var probabilities = full[i, 0].contiguous().data<float>().ToArray();
            Assert.Equal(probabilities.Select(v => v > 0.5f ? (byte)1 : (byte)0).ToArray(), instances[k].Mask);
        }
    }

    [Fact]
    public void No_tensor_outlives_a_prediction()
    {
        using var predictor = Predictor.Load(files.WeightsPath);
        var image = ImageIo.Load(files.ImageA);
        predictor.Predict(image); // warm-up: lazily created state is not a leak
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        long before = stats.ThreadTotalLiveCount;
        Assert.NotEmpty(predictor.Predict([image, image]).SelectMany(x => x));
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void Coco_result_has_the_box_as_x_y_width_height()
    {
        var p = new InstancePrediction(2, "block", 18, 0.75f, [10.5f, 20f, 30.25f, 41f], CroppedMask.Empty(2, 2));
        var r = p.ToCocoResult(imageId: 42);
        Assert.Equal((42L, 18L, 0.75), (r.ImageId, r.CategoryId, r.Score));
        Assert.Equal([10.5, 20, 19.75, 21], r.Bbox);
        Assert.Same(p.Rle, r.Segmentation);
    }

    [Fact]
    public void Without_class_names_labels_are_their_own_names_and_category_ids()
    {
        using var model = new MaskRcnnModel(TinyPredictorFiles.Config with { Classes = [] });
        ModelWeights.Load(model, files.WeightsPath);
        using var predictor = new Predictor(model);
        Assert.All(predictor.Predict(files.ImageA), p => Assert.Equal((p.Label.ToString(), (long)p.Label), (p.ClassName, p.CategoryId)));
    }

    [Fact]
    public void Config_comes_from_the_file_given_else_from_the_weights()
    {
        using (var stored = Predictor.Load(files.WeightsPath))
        {
            Assert.Contains("stored with the weights", stored.ConfigOrigin);
            Assert.Equal(TinyPredictorFiles.Config.ToJson(), stored.Model.Config.ToJson());
        }
        using var given = Predictor.Load(files.WeightsPath, files.ConfigPath, numClasses: 3);
        Assert.Equal(files.ConfigPath, given.ConfigOrigin);
        Assert.Equal(WeightsFormat.SafeTensors, given.Weights!.Format);
    }

    [Fact]
    public void A_config_file_with_unknown_keys_is_refused_naming_it()
    {
        string coco = Path.Combine(files.Folder, "looks-like-coco.json");
        File.WriteAllText(coco, """{"images": [], "annotations": [], "NumClasses": 3}""");
        var e = Assert.Throws<InvalidDataException>(() => ModelResolver.ReadConfigFile(coco));
        Assert.StartsWith(coco, e.Message);
        Assert.Contains("images", e.Message);
    }

    [Fact]
    public void A_class_count_that_disagrees_with_the_config_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Predictor.Load(files.WeightsPath, numClasses: 5));
        Assert.Contains("NumClasses 3", e.Message);
    }

    [Fact]
    public void Weights_without_config_take_the_class_count_from_the_classifier_and_must_then_fit_resnet50_fpn()
    {
        string bare = Path.Combine(files.Folder, "bare.safetensors");
        var state = SafeTensors.Load(files.WeightsPath);
        try
        {
            SafeTensors.Save(bare, state);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        var e = Assert.Throws<WeightsMismatchException>(() => Predictor.Load(bare));
        Assert.Equal(bare, e.FileName);
        // The ResNet-50-FPN layout with the file's 3 classes was built: 3 rows of 1024 inputs, Bottleneck blocks.
        Assert.Contains("roi_heads.box_predictor.cls_score.weight: file [3,32] vs model [3,1024]", e.WrongShape);
        Assert.Contains("backbone.body.layer1.0.conv3.weight", e.Missing);

        using var right = Predictor.Load(bare, files.ConfigPath);
        Assert.Equal(files.ConfigPath, right.ConfigOrigin);
    }

    [Fact]
    public void A_wrongly_shaped_tensor_names_the_file_and_the_key()
    {
        string broken = Path.Combine(files.Folder, "broken.safetensors");
        var state = SafeTensors.Load(files.WeightsPath);
        var metadata = SafeTensors.ReadMetadata(files.WeightsPath);
        try
        {
            var old = state["rpn.head.conv.0.0.weight"];
            state["rpn.head.conv.0.0.weight"] = old.narrow(0, 0, old.shape[0] - 1).clone();
            old.Dispose();
            SafeTensors.Save(broken, state, metadata);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        var e = Assert.Throws<WeightsMismatchException>(() => Predictor.Load(broken));
        Assert.StartsWith(broken, e.Message);
        var wrong = Assert.Single(e.WrongShape);
        Assert.StartsWith("rpn.head.conv.0.0.weight", wrong);
    }
}
