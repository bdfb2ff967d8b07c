using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Transform;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

public sealed class GeneralizedRcnnTransformTests
{
    // Sizes printed by torchvision 0.14's _resize_image_and_masks; several are one pixel short of the
    // "exact" answer because of its float32 reciprocal-then-multiply scale (e.g. 3000 px → 1332, not 1333).
    [Theory]
    [InlineData(150, 100, 320, 512, 479, 319)]
    [InlineData(480, 640, 800, 1333, 800, 1066)]
    [InlineData(1000, 3000, 800, 1333, 444, 1332)]
    [InlineData(427, 640, 800, 1333, 799, 1199)]
    [InlineData(333, 500, 800, 1333, 799, 1201)]
    [InlineData(612, 612, 800, 1333, 800, 800)]
    [InlineData(101, 99, 800, 1333, 816, 799)]
    public void Resized_size_matches_torchvision(int h, int w, int min, int max, int eh, int ew)
    {
        Assert.Equal((eh, ew), GeneralizedRcnnTransform.ResizedSize(h, w, min, max));
    }

    [Fact]
    public void Training_resize_scales_boxes_and_masks_with_the_image()
    {
        var transform = new GeneralizedRcnnTransform(new TransformConfig { MinSize = [200], MaxSize = 1000 });
        using var image = rand(3, 50, 100);
        var masks = zeros([1, 50, 100], ScalarType.Byte);
        masks[0, 10..20, 30..60] = tensor((byte)1);
        using var target = new TargetSet(tensor(new float[] { 30, 10, 60, 20 }, [1, 4]), tensor(new long[] { 1 }), masks);
        var (batch, targets) = transform.Forward([image], [target], training: true);
        using (batch)
        {
            Assert.Equal([(200L, 400L)], batch.ImageSizes);
            Assert.Equal([1, 3, 224, 416], batch.Tensors.shape); // padded to multiples of 32
            var t = Assert.Single(targets!);
            Assert.Equal(new float[] { 120, 40, 240, 80 }, t.Boxes.data<float>().ToArray());
            Assert.Equal([1, 200, 400], t.Masks.shape);
            Assert.Equal(30 * 10 * 16, t.Masks.sum().item<long>()); // nearest-neighbour ×4 in each direction
            t.Dispose();
        }
    }
}
