using MaskRcnn.Data.Masks;
using MaskRcnn.Ops;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public class MaskPasterTests(ITestOutputHelper log)
{
    const string File = "paste_masks.safetensors";
    readonly OpsFixture Fixture = new(File);

    public static TheoryData<string> Paths => new() { nameof(OpPath.CpuKernel), nameof(OpPath.TensorOps) };

    // Boxes inside, over every border, wider than the image, sub-pixel and one pixel wide; padding 1 and 2.
    [Theory, MemberData(nameof(Paths))]
    public void PastesAsTorchvision(string path)
    {
        for (int i = 0; i < FixtureCases.Count(File); i++)
        {
            using var scope = NewDisposeScope();
            var p = Fixture[$"case{i}.params"].data<long>().ToArray();
            var expected = Fixture[$"case{i}.output"];
            var pasted = MaskPaster.PasteMasksInImage(Fixture[$"case{i}.masks"], Fixture[$"case{i}.boxes"], (p[0], p[1]), (int)p[2],
                Enum.Parse<OpPath>(path));
            double diff = OpsFixture.MaxAbsError(expected, pasted);
            double agreement = (pasted > 0.5f).eq(expected > 0.5f).to(ScalarType.Float64).mean().item<double>();
            log.WriteLine($"{path} case {i}: max |paste - torchvision| = {diff:E2}, binary agreement at 0.5 = {agreement:P4}");
            Assert.True(diff <= 1e-5, $"case {i} ({path}): differs by {diff}");
            Assert.True(agreement >= 0.999, $"case {i} ({path}): only {agreement:P3} of pixels agree after thresholding");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void ABoxOutsideTheImagePastesNothing(string path)
    {
        // torchvision raises a shape error here; an empty paste is the meaning of the operation.
        using var masks = ones(2, 1, 28, 28);
        using var boxes = tensor(new float[] { 100, 10, 130, 40, -60, -50, -20, -10 }, [2, 4]);
        using var pasted = MaskPaster.PasteMasksInImage(masks, boxes, (60, 80), 1, Enum.Parse<OpPath>(path));
        Assert.Equal(new long[] { 2, 1, 60, 80 }, pasted.shape);
        Assert.Equal(0f, pasted.abs().sum().item<float>());
    }

    [Fact]
    public void AnAllOnesMaskFillsTheInnerBoxAndFadesAtThePaddedBorder()
    {
        // Hand-computed: the 4x4 box grows by 6/4 about its centre to 7..13; the padded ring is 0, so the box's
        // centre pixels are exactly 1 and the expanded edge is below 1.
        using var masks = ones(1, 1, 4, 4);
        using var boxes = tensor(new float[] { 8, 8, 12, 12 }, [1, 4]);
        using var pasted = MaskPaster.PasteMasksInImage(masks, boxes, (20, 20));
        Assert.Equal(1f, pasted[0, 0, 10, 10].item<float>(), 6);
        Assert.True(pasted[0, 0, 7, 10].item<float>() < 1f);
        Assert.Equal(0f, pasted[0, 0, 3, 3].item<float>());
    }

    [Fact]
    public void MismatchedMasksAndBoxesAreRejected()
    {
        using var masks = ones(2, 1, 28, 28);
        using var boxes = zeros(3, 4);
        var e = Assert.Throws<ArgumentException>(() => MaskPaster.PasteMasksInImage(masks, boxes, (10, 10)));
        Assert.Contains("N = 2", e.Message);
    }
}

/// <summary>The cropped form of pasted masks loses nothing: torchvision's full frame is zero outside every window, and
/// the binary crops encode to the RLE of the thresholded full frame.</summary>
public class PastedMaskCropTests
{
    const string File = "paste_masks.safetensors";
    readonly OpsFixture Fixture = new(File);

    [Theory, MemberData(nameof(MaskPasterTests.Paths), MemberType = typeof(MaskPasterTests))]
    public void Torchvision_writes_nothing_outside_the_windows_and_the_crops_encode_as_the_full_frame(string path)
    {
        for (int i = 0; i < FixtureCases.Count(File); i++)
        {
            using var scope = NewDisposeScope();
            var p = Fixture[$"case{i}.params"].data<long>().ToArray();
            var expected = Fixture[$"case{i}.output"].contiguous();
            int h = (int)p[0], w = (int)p[1];
            var pasted = MaskPaster.Paste(Fixture[$"case{i}.masks"], Fixture[$"case{i}.boxes"], (p[0], p[1]), (int)p[2], Enum.Parse<OpPath>(path));
            Assert.Equal(expected.shape[0], pasted.Count);
            var values = expected.data<float>().ToArray();
            for (int n = 0; n < pasted.Count; n++)
            {
                var window = pasted.Windows[n];
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        if (!window.Contains(x, y))
                            Assert.True(values[((long)n * h + y) * w + x] == 0, $"case {i} mask {n}: torchvision wrote ({x},{y}) outside {window}");
                var full = values.AsSpan(n * h * w, h * w).ToArray().Select(v => v > 0.5f ? (byte)1 : (byte)0).ToArray();
                var crop = pasted.Binarize(n, 0.5f);
                // Values within 1e-5 of torchvision's: compare where the threshold is not decided by rounding.
                var ours = crop.ToFullFrame();
                for (int q = 0; q < full.Length; q++)
                    if (Math.Abs(values[n * h * w + q] - 0.5f) > 1e-4f) Assert.Equal(full[q], ours[q]);
                Assert.Equal(MaskApi.Encode(ours, h, w).Counts, MaskApi.Encode(crop).Counts);
            }
        }
    }
}
