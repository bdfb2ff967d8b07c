using MaskRcnn.Data;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Structures;
using MaskRcnn.Tests.Support;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Data;

public sealed class AugmentationTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A random item: 1–8 rectangles and ellipses (some touching the border) on a W×H canvas; channel 0 of the image
    /// is 1 exactly on the union of the masks, channels 1–2 random, boxes the masks' tight extents (computed here in
    /// plain loops, independently of the library's tensor code).
    /// </summary>
    static DatasetItem RandomItem(int seed)
    {
        var r = new DeterministicRandom((ulong)seed);
        int w = r.NextInt(24, 90), h = r.NextInt(24, 90), n = r.NextInt(1, 9);
        var masks = new byte[n * h * w];
        var image = new float[3 * h * w];
        for (int i = 0; i < n; i++)
        {
            double cx = r.NextDouble(-5, w + 5), cy = r.NextDouble(-5, h + 5), rx = r.NextDouble(2, 18), ry = r.NextDouble(2, 18);
            bool ellipse = r.NextDouble() < 0.5;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
                    if (ellipse ? dx * dx + dy * dy <= 1 : Math.Abs(dx) <= 1 && Math.Abs(dy) <= 1)
                        masks[(i * h + y) * w + x] = 1;
                }
        }
        // Keep the objects that have pixels on the canvas.
        var kept = Enumerable.Range(0, n).Where(i => masks.AsSpan(i * h * w, h * w).Contains((byte)1)).ToArray();
        var keptMasks = kept.SelectMany(i => masks.AsSpan(i * h * w, h * w).ToArray()).ToArray();
        for (int p = 0; p < h * w; p++)
        {
            image[p] = kept.Any(i => masks[i * h * w + p] != 0) ? 1 : 0;
            image[h * w + p] = (float)r.NextDouble();
            image[2 * h * w + p] = (float)r.NextDouble();
        }
        using var m = tensor(keptMasks, new long[] { kept.Length, h, w });
        var labels = tensor(kept.Select(i => (long)(i % 3 + 1)).ToArray());
        return new DatasetItem(tensor(image, new long[] { 3, h, w }), new TargetSet(ReferenceBoxes(m), labels, m.clone()), seed);
    }

    /// <summary>Tight pixel-edge boxes of [N,H,W] masks, by loops (x2 = last column + 1).</summary>
    static Tensor ReferenceBoxes(Tensor masks) => masks.shape[0] == 0 ? zeros([0, 4]) : TransformsTests.MaskBoxes(masks);

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    static void AssertSame(DatasetItem expected, DatasetItem actual)
    {
        Assert.True(Same(expected.Image, actual.Image), "images differ");
        Assert.True(Same(expected.Target.Masks, actual.Target.Masks), "masks differ");
        Assert.True(Same(expected.Target.Boxes, actual.Target.Boxes), "boxes differ");
        Assert.True(Same(expected.Target.Labels, actual.Target.Labels), "labels differ");
    }

    /// <summary>Every target is a non-empty mask of the image's size whose tight extent is its box.</summary>
    static void AssertConsistent(DatasetItem item, string what)
    {
        var t = item.Target;
        Assert.Equal(item.Image.shape[1..], t.Masks.shape[1..]);
        Assert.Equal(t.Count, t.Masks.shape[0]);
        Assert.Equal(t.Count, t.Labels.shape[0]);
        using var area = t.Masks.sum([1, 2], type: ScalarType.Int64);
        Assert.True(t.Count == 0 || area.min().item<long>() > 0, $"{what}: an empty mask was kept");
        using var expected = ReferenceBoxes(t.Masks);
        Assert.True(Same(expected, t.Boxes), $"{what}: boxes are not the masks' extents");
    }

    /// <summary>Pure re-indexing transforms move image and masks together: every mask pixel is an object pixel.</summary>
    static void AssertMasksOnObjects(DatasetItem item, string what)
    {
        if (item.Target.Count == 0) return;
        using var union = item.Target.Masks.amax(0).to_type(ScalarType.Float32);
        using var objects = item.Image[0];
        using var outside = union * (1 - objects);
        Assert.True(outside.sum().item<float>() == 0, $"{what}: a mask pixel lies off the image's objects");
    }

    public static TheoryData<string> Steps() => ["hflip", "vflip", "rot90", "scale:0.5-1.6", "crop:40", "crop:40:30", "color"];

    [Theory]
    [MemberData(nameof(Steps))]
    public void EveryStep_KeepsBoxesEqualToTheMasksExtents_OverManySeeds(string step)
    {
        var transform = AugmentationSpec.Parse(step);
        bool reindexing = step is not ("color" or "scale:0.5-1.6");
        for (int seed = 0; seed < 60; seed++)
        {
            using var result = transform.Apply(RandomItem(seed), DeterministicRandom.ForKey(7, seed));
            AssertConsistent(result, $"{step}, seed {seed}");
            if (reindexing) AssertMasksOnObjects(result, $"{step}, seed {seed}");
        }
    }

    [Fact]
    public void TheFullPipeline_KeepsImageBoxesAndMasksConsistent()
    {
        var transform = AugmentationSpec.Parse("hflip,vflip,rot90,scale:0.6-1.5,crop:36,color");
        var noColor = AugmentationSpec.Parse("hflip,vflip,rot90,crop:36");
        int cut = 0;
        for (int seed = 0; seed < 50; seed++)
        {
            using var item = RandomItem(seed);
            using var result = transform.Apply(RandomItem(seed), DeterministicRandom.ForKey(3, seed));
            AssertConsistent(result, $"seed {seed}");
            Assert.True(result.Image.shape[1] <= 36 && result.Image.shape[2] <= 36);
            using var geometric = noColor.Apply(RandomItem(seed), DeterministicRandom.ForKey(3, seed));
            AssertConsistent(geometric, $"seed {seed} without colour");
            AssertMasksOnObjects(geometric, $"seed {seed} without colour");
            using var areaBefore = item.Target.Masks.sum().to_type(ScalarType.Int64);
            using var areaAfter = geometric.Target.Masks.sum().to_type(ScalarType.Int64);
            if (areaAfter.item<long>() < areaBefore.item<long>()) cut++;
        }
        Assert.True(cut > 15, $"only {cut} of 50 crops cut an object: the test would not exercise clipped masks");
    }

    [Fact]
    public void ACrop_IsTheWindowOfTheInput_AndDropsSlivers()
    {
        // Hand-made: a 30x20 image with a 10x10 square at (2..12, 4..14) and a 6x6 one at (20..26, 10..16).
        var masks = zeros([2, 20, 30], ScalarType.Byte);
        masks[0, 4..14, 2..12] = tensor((byte)1);
        masks[1, 10..16, 20..26] = tensor((byte)1);
        using var image = rand([3, 20, 30]);
        using var item = new DatasetItem(image.clone(), new TargetSet(tensor(new float[] { 2, 4, 12, 14, 20, 10, 26, 16 }, [2, 4]), tensor(new long[] { 1, 2 }), masks), 0);

        // Window x 8..24, y 6..18: square 0 keeps columns 8..12 × rows 6..14 (4x8 = 32 px); square 1 keeps 4x6 = 24 px.
        using var both = RandomCrop.Crop(item, 8, 6, 16, 12, minArea: 16);
        Assert.True(Same(image[.., 6..18, 8..24], both.Image));
        Assert.Equal(new float[] { 0, 0, 4, 8, 12, 4, 16, 10 }, both.Target.Boxes.data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, both.Target.Labels.data<long>().ToArray());

        using var one = RandomCrop.Crop(item, 8, 6, 16, 12, minArea: 25);
        Assert.Equal(new float[] { 0, 0, 4, 8 }, one.Target.Boxes.data<float>().ToArray());
        Assert.Equal(new long[] { 1 }, one.Target.Labels.data<long>().ToArray());
    }

    [Fact]
    public void AnImageSmallerThanTheCrop_IsKeptAsItIs()
    {
        using var item = RandomItem(5);
        var (h, w) = (item.Image.shape[1], item.Image.shape[2]);
        var image = item.Image;
        using var same = new RandomCrop(512).Apply(item, new DeterministicRandom(1));
        Assert.Same(image, same.Image);

        // One side shorter than the crop: that side whole, the other cut.
        using var tall = new DatasetItem(zeros([3, 100, 30]), new TargetSet(zeros([0, 4]), zeros([0], ScalarType.Int64), zeros([0, 100, 30], ScalarType.Byte)), 1);
        using var cropped = new RandomCrop(64).Apply(tall, new DeterministicRandom(1));
        Assert.Equal(new long[] { 3, 64, 30 }, cropped.Image.shape);
        Assert.Equal(0, cropped.Target.Count);
        Assert.True(h > 0 && w > 0);
    }

    [Fact]
    public void InversesGiveBackTheInput()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            using var item = RandomItem(seed);
            using (var h1 = RandomHorizontalFlip.Flip(item))
            using (var h2 = RandomHorizontalFlip.Flip(h1))
                AssertSame(item, h2);
            using (var v1 = RandomVerticalFlip.Flip(item))
            using (var v2 = RandomVerticalFlip.Flip(v1))
                AssertSame(item, v2);
            var turned = RandomRotate90.Rotate(item, 1);
            for (int i = 0; i < 3; i++)
            {
                var next = RandomRotate90.Rotate(turned, 1);
                turned.Dispose();
                turned = next;
            }
            using (turned) AssertSame(item, turned);
            using var half = RandomRotate90.Rotate(item, 2);
            using var back = RandomRotate90.Rotate(half, -2);
            AssertSame(item, back);
        }
    }

    [Fact]
    public void AQuarterTurn_IsCounterClockwise()
    {
        // A 2x3 image: pixel (x=2, y=0) — top right — goes to (x=0, y=0) of the 3x2 result, top left.
        var masks = zeros([1, 2, 3], ScalarType.Byte);
        masks[0, 0, 2] = tensor((byte)1);
        using var item = new DatasetItem(zeros([3, 2, 3]), new TargetSet(tensor(new float[] { 2, 0, 3, 1 }, [1, 4]), tensor(new long[] { 1 }), masks), 0);
        using var turned = RandomRotate90.Rotate(item, 1);
        Assert.Equal(new long[] { 1, 3, 2 }, turned.Target.Masks.shape);
        Assert.Equal(1, turned.Target.Masks[0, 0, 0].item<byte>());
        Assert.Equal(new float[] { 0, 0, 1, 1 }, turned.Target.Boxes.data<float>().ToArray());
    }

    [Fact]
    public void ScaleJitter_IsRelativeToTheTrainingSize()
    {
        // Training short side 50: scale:0.8-1.25 gives short sides in [40, 62.5]; without jitter, exactly 50.
        var jitter = AugmentationSpec.Parse("scale:0.8-1.25", trainingShortSide: 50, maxSize: 1000);
        var fixedSize = AugmentationSpec.Parse("none", trainingShortSide: 50, maxSize: 1000);
        var sides = new HashSet<long>();
        for (int seed = 0; seed < 40; seed++)
        {
            using var item = RandomItem(seed);
            using var result = jitter.Apply(RandomItem(seed), DeterministicRandom.ForKey(1, seed));
            long shortSide = Math.Min(result.Image.shape[1], result.Image.shape[2]);
            Assert.InRange(shortSide, 39, 63);
            sides.Add(shortSide);
            using var plain = fixedSize.Apply(RandomItem(seed), DeterministicRandom.ForKey(1, seed));
            Assert.InRange(Math.Min(plain.Image.shape[1], plain.Image.shape[2]), 49, 50);
        }
        Assert.True(sides.Count > 8, $"only {sides.Count} distinct sizes");
    }

    [Fact]
    public void ColorJitter_ChangesOnlyTheImage_WithinRange()
    {
        using var item = RandomItem(4);
        using var masks = item.Target.Masks.clone();
        using var result = new ColorJitter(0.3).Apply(RandomItem(4), new DeterministicRandom(9));
        Assert.True(Same(masks, result.Target.Masks));
        Assert.False(Same(item.Image, result.Image));
        Assert.InRange(result.Image.min().item<float>(), 0, 1);
        Assert.InRange(result.Image.max().item<float>(), 0, 1);
        // Identity factors give the input back.
        using var identity = ColorJitter.Adjust(item.Image, 1, 1, 1);
        using var diff = (identity - item.Image).abs().max();
        Assert.True(diff.item<float>() < 1e-6f);
        // Brightness 0.5 alone halves the image (hand-computed: no clamping below 1).
        using var dark = ColorJitter.Adjust(item.Image, 0.5, 1, 1);
        using var half = item.Image * 0.5;
        using var d2 = (dark - half).abs().max();
        Assert.True(d2.item<float>() < 1e-6f);
    }

    [Fact]
    public void SameSeed_SameOutput_DifferentSeed_DifferentOutput()
    {
        var transform = AugmentationSpec.Parse("hflip,vflip,rot90,scale:0.8-1.25,crop:40,color");
        var outputs = new List<float[]>();
        for (int key = 0; key < 6; key++)
        {
            using var a = transform.Apply(RandomItem(11), DeterministicRandom.ForKey(5, key));
            using var b = transform.Apply(RandomItem(11), DeterministicRandom.ForKey(5, key));
            AssertSame(a, b);
            outputs.Add(a.Image.flatten().data<float>().ToArray());
        }
        for (int i = 0; i < outputs.Count; i++)
            for (int j = i + 1; j < outputs.Count; j++)
                Assert.NotEqual(outputs[i], outputs[j]);
    }

    [Fact]
    public void TheLoader_GivesTheSameAugmentedBatches_WhateverTheWorkers()
    {
        // Keyed per (seed, epoch, batch, position): what makes a resumed run see the same samples bit for bit.
        ShapesDataset.Generate(_dir.Path, 6, seed: 5, imageSize: 64);
        var ds = CocoDataset.Open(_dir.File("annotations.json"), _dir.File("images"));
        var transform = AugmentationSpec.Parse("hflip,vflip,rot90,scale:0.8-1.25,crop:48,color");
        var inline = new DataLoader(ds, 2, shuffle: true, seed: 8, transform, workers: 0);
        var threaded = new DataLoader(ds, 2, shuffle: true, seed: 8, transform, workers: 2, prefetch: 1);
        foreach (int epoch in new[] { 0, 3 })
        {
            var a = inline.Epoch(epoch).ToList();
            var b = threaded.Epoch(epoch).ToList();
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
                for (int j = 0; j < a[i].Images.Count; j++)
                {
                    Assert.True(Same(a[i].Images[j], b[i].Images[j]));
                    Assert.True(Same(a[i].Targets[j].Masks, b[i].Targets[j].Masks));
                    Assert.True(Same(a[i].Targets[j].Boxes, b[i].Targets[j].Boxes));
                }
            foreach (var batch in a.Concat(b)) batch.Dispose();
        }
    }

    [Theory]
    [InlineData("hflip,vflip,rot90,scale:0.8-1.25,crop:512,color", "hflip,vflip,rot90,scale:0.8-1.25,crop:512,color")]
    [InlineData("crop:512, hflip", "hflip,crop:512")]
    [InlineData("color:0.2,crop:256:16,scale:1-1", "scale:1-1,crop:256,color")]
    [InlineData("color:0.35,crop:256:40", "crop:256:40,color:0.35")]
    [InlineData("none", "none")]
    [InlineData("", "none")]
    public void ParseAndToString_RoundTrip(string text, string canonical)
    {
        var config = AugmentationConfig.Parse(text);
        Assert.Equal(canonical, config.ToString());
        Assert.Equal(config, AugmentationConfig.Parse(config.ToString()));
        var json = config.ToJson();
        Assert.Equal(config, AugmentationConfig.FromJson(json));
    }

    [Fact]
    public void Json_HoldsTheStepList()
    {
        var config = AugmentationConfig.FromJson("""{"Steps": ["rot90", "hflip", "crop:512"]}""");
        Assert.Equal(["hflip", "rot90", "crop:512"], config.Steps);
        Assert.Contains("\"crop:512\"", config.ToJson());
        Assert.Throws<FormatException>(() => AugmentationConfig.FromJson("""{"Steps": ["spin"]}"""));
        Assert.Throws<FormatException>(() => AugmentationConfig.FromJson("""{"Stepz": []}"""));
        // A config made in code is checked when built.
        Assert.Throws<FormatException>(() => new AugmentationConfig { Steps = ["hflip", "hflip"] }.Build());
        Assert.Throws<FormatException>(() => new AugmentationConfig { Steps = ["crop:-1"] }.Build());
    }

    [Theory]
    [InlineData("hflip,spin", "'spin': unknown step")]
    [InlineData("scale:1.25-0.8", "0 < MIN <= MAX")]
    [InlineData("scale:0-1", "0 < MIN <= MAX")]
    [InlineData("scale:big", "two decimal numbers")]
    [InlineData("crop:0", "positive whole number")]
    [InlineData("crop:12.5", "positive whole number")]
    [InlineData("crop:512:0", "minimum area")]
    [InlineData("color:1.5", "[0, 1)")]
    [InlineData("hflip:1", "takes no value")]
    [InlineData("hflip,rot90,hflip", "'hflip' is given twice")]
    public void BadSteps_GiveOneLineErrors(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => AugmentationConfig.Parse(text));
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
