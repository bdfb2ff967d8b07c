using MaskRcnn.Modeling.RoiHeads;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>
/// Mask targets read from the uint8 gt masks in place are bit-equal to torchvision's form (every gt mask converted to a
/// full-frame float, then RoIAlign), on random proposals: inside, over every border, partly and wholly outside, sub-pixel.
/// </summary>
public class MaskTargetsTests
{
    [Theory]
    [InlineData(1, 7, 37, 53)]
    [InlineData(2, 40, 64, 64)]
    [InlineData(3, 3, 1, 9)]
    public void Targets_from_uint8_masks_in_place_equal_roi_align_of_full_frame_float_masks(int seed, int instances, int height, int width)
    {
        using var scope = NewDisposeScope();
        var random = new Random(seed);
        var bytes = new byte[instances * height * width];
        // Blobs with soft-edged boundaries are what matters; random bits exercise every interpolation weight.
        for (int i = 0; i < bytes.Length; i++) bytes[i] = random.NextDouble() < 0.4 ? (byte)1 : (byte)0;
        var masks = tensor(bytes, [instances, height, width]);
        int count = 300;
        var boxes = new float[count * 4];
        var matched = new long[count];
        for (int k = 0; k < count; k++)
        {
            float Coordinate(int size) => (float)(random.NextDouble() * (size + 20) - 10); // up to 10 px beyond each border
            float x1 = Coordinate(width), y1 = Coordinate(height);
            float bw = k % 5 == 0 ? (float)random.NextDouble() : (float)random.NextDouble() * width; // every fifth sub-pixel
            float bh = k % 7 == 0 ? (float)random.NextDouble() : (float)random.NextDouble() * height;
            if (k % 11 == 0) (x1, y1) = (k % 2 == 0 ? 0 : width - bw, k % 3 == 0 ? 0 : height - bh); // flush with the borders
            (boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]) = (x1, y1, x1 + bw, y1 + bh);
            matched[k] = random.Next(instances);
        }
        var proposals = tensor(boxes, [count, 4]);
        var idx = tensor(matched);
        foreach (long m in new long[] { 28, 14 })
        {
            var expected = MaskRcnnLoss.ProjectFullFrameMasks(masks, proposals, idx, m);
            var actual = MaskRcnnLoss.ProjectMasksOnBoxes(masks, proposals, idx, m);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.gt(0).any().item<bool>() && expected.lt(1).any().item<bool>(), "the cases should give soft targets");
            Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray()); // bit for bit
        }
    }

    [Fact]
    public void A_proposal_matched_to_a_missing_instance_is_refused()
    {
        using var masks = zeros([2, 8, 8], ScalarType.Byte);
        using var boxes = tensor(new float[] { 0, 0, 4, 4 }, [1, 4]);
        using var idx = tensor(new long[] { 2 });
        Assert.ThrowsAny<ArgumentException>(() => MaskRcnnLoss.ProjectMasksOnBoxes(masks, boxes, idx, 28));
    }
}
