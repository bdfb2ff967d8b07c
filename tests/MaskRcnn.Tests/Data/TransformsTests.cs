using MaskRcnn.Data;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Structures;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Data;

public class TransformsTests
{
    /// <summary>A generated image with boxes set to its masks' tight boxes (pixel edges: x2 = last column + 1).</summary>
    static DatasetItem ShapesItem(int index)
    {
        var sample = new ShapesDataset(seed: 11, imageSize: 64).Sample(index);
        int n = sample.Instances.Count, s = 64;
        var masks = sample.Instances.SelectMany(i => i.VisibleMask).ToArray();
        using var maskTensor = tensor(masks, new long[] { n, s, s });
        var boxes = MaskBoxes(maskTensor);
        var labels = tensor(sample.Instances.Select(i => (long)i.Kind).ToArray());
        return new DatasetItem(ImageIo.ToTensor(sample.Image), new TargetSet(boxes, labels, maskTensor.clone()), index);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    internal static Tensor MaskBoxes(Tensor masks)
    {
        int n = (int)masks.shape[0], h = (int)masks.shape[1], w = (int)masks.shape[2];
        var m = masks.contiguous().data<byte>().ToArray();
        var boxes = new float[n * 4];
        for (int i = 0; i < n; i++)
        {
            int x1 = w, y1 = h, x2 = -1, y2 = -1;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (m[(i * h + y) * w + x] != 0)
                    {
                        x1 = Math.Min(x1, x); y1 = Math.Min(y1, y);
                        x2 = Math.Max(x2, x); y2 = Math.Max(y2, y);
                    }
            boxes[4 * i] = x1; boxes[4 * i + 1] = y1; boxes[4 * i + 2] = x2 + 1; boxes[4 * i + 3] = y2 + 1;
        }
        return tensor(boxes, new long[] { n, 4 });
    }

    [Fact]
    public void FlippedBoxesAreTheFlippedMasksBoxes()
    {
        for (int index = 0; index < 4; index++)
        {
            using var item = ShapesItem(index);
            using var flipped = RandomHorizontalFlip.Flip(item);
            using var expectedBoxes = MaskBoxes(flipped.Target.Masks);
            Assert.Equal(expectedBoxes.data<float>().ToArray(), flipped.Target.Boxes.data<float>().ToArray());
            // The image and the masks moved together: column x went to W-1-x.
            using var back = item.Image.flip(-1);
            Assert.True(Same(back, flipped.Image));
            Assert.Equal(item.Target.Labels.data<long>().ToArray(), flipped.Target.Labels.data<long>().ToArray());
        }
    }

    [Fact]
    public void FlipProbabilityIsHonoured()
    {
        using var never = new RandomHorizontalFlip(0).Apply(ShapesItem(0), new DeterministicRandom(1));
        using var original = ShapesItem(0);
        Assert.True(Same(never.Image, original.Image));

        using var always = new RandomHorizontalFlip(1).Apply(ShapesItem(0), new DeterministicRandom(1));
        using var mirrored = original.Image.flip(-1);
        Assert.True(Same(always.Image, mirrored));

        int flips = 0;
        var half = new RandomHorizontalFlip(0.5);
        for (int i = 0; i < 200; i++)
        {
            using var item = ShapesItem(1);
            var image = item.Image;
            using var result = half.Apply(item, DeterministicRandom.ForKey(5, i));
            if (!ReferenceEquals(result.Image, image)) flips++;
        }
        Assert.InRange(flips, 70, 130);
    }

    // Expected values: torchvision 0.14's _resize_image_and_masks and resize_boxes (make_fixtures.py).
    [Fact]
    public void ResizeMatchesTorchvisionGeneralizedRcnnTransform()
    {
        var f = SafeTensors.Load(TestPaths.Fixture("data", "resize.safetensors"));
        for (int i = 0; f.ContainsKey($"{i}.image"); i++)
        {
            var sizes = f[$"{i}.sizes"].data<long>().ToArray();
            var target = new TargetSet(f[$"{i}.boxes"].clone(), tensor(new long[] { 1, 2 }), f[$"{i}.masks"].clone());
            using var item = new DatasetItem(f[$"{i}.image"].clone(), target, i);
            using var resized = ResizeShortSide.Resize(item, (int)sizes[0], (int)sizes[1]);
            Assert.Equal(f[$"{i}.out_image"].shape, resized.Image.shape);
            using var diff = (resized.Image - f[$"{i}.out_image"]).abs().max();
            // libtorch 2.10's vectorised bilinear kernel rounds a few ulps differently from torch 1.13's.
            Assert.True(diff.item<float>() <= 1e-5f, $"case {i}: image differs by {diff.item<float>()}");
            Assert.Equal(f[$"{i}.out_masks"].data<byte>().ToArray(), resized.Target.Masks.data<byte>().ToArray());
            Assert.Equal(f[$"{i}.out_boxes"].data<float>().ToArray(), resized.Target.Boxes.data<float>().ToArray());
        }
        foreach (var t in f.Values) t.Dispose();
    }

    [Theory]
    // Sizes torchvision 0.14 produces for these shapes; the 799s are its float32-scale-then-floor quirk.
    [InlineData(480, 640, 800, 1333, 800, 1066)]
    [InlineData(640, 480, 800, 1333, 1066, 800)]
    [InlineData(100, 1000, 800, 1333, 133, 1333)]
    [InlineData(64, 64, 96, 1000, 96, 96)]
    [InlineData(427, 640, 800, 1333, 799, 1199)]
    [InlineData(333, 500, 800, 1333, 799, 1201)]
    public void OutputSizeFollowsTheScaleRule(int h, int w, int minSize, int maxSize, int wantH, int wantW) =>
        Assert.Equal((wantH, wantW), ResizeShortSide.OutputSize(h, w, minSize, maxSize));

    [Fact]
    public void ResizeDrawsTheShortSideFromTheList()
    {
        var resize = new ResizeShortSide([32, 48, 80], 1000);
        var seen = new HashSet<long>();
        for (int i = 0; i < 30; i++)
        {
            using var result = resize.Apply(ShapesItem(2), DeterministicRandom.ForKey(9, i));
            Assert.Equal(result.Image.shape[1], result.Image.shape[2]); // square in, square out
            Assert.Equal(result.Image.shape[1..], result.Target.Masks.shape[1..]);
            seen.Add(result.Image.shape[1]);
        }
        Assert.Equal(new long[] { 32, 48, 80 }, seen.Order());

        // The same random stream gives the same choice.
        using var a = resize.Apply(ShapesItem(2), DeterministicRandom.ForKey(9, 3));
        using var b = resize.Apply(ShapesItem(2), DeterministicRandom.ForKey(9, 3));
        Assert.Equal(a.Image.shape, b.Image.shape);
    }

    [Fact]
    public void ComposeAppliesInOrder()
    {
        var compose = new Compose(new RandomHorizontalFlip(1), new ResizeShortSide([32], 1000));
        using var composed = compose.Apply(ShapesItem(3), new DeterministicRandom(4));
        using var flipped = RandomHorizontalFlip.Flip(ShapesItem(3));
        using var manual = ResizeShortSide.Resize(flipped, 32, 1000);
        Assert.True(Same(composed.Image, manual.Image));
        Assert.True(Same(composed.Target.Masks, manual.Target.Masks));
        Assert.True(Same(composed.Target.Boxes, manual.Target.Boxes));
    }
}
