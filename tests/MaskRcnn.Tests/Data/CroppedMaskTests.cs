using MaskRcnn.Data.Masks;

namespace MaskRcnn.Tests.Data;

/// <summary>A <see cref="CroppedMask"/> behaves as the full-frame mask it stands for: RLE, area, union and IoU.</summary>
public class CroppedMaskTests
{
    /// <summary>Random masks of random images, in windows anywhere (touching each border, one pixel, the whole image, empty).</summary>
    static IEnumerable<CroppedMask> RandomMasks(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int h = random.Next(1, 30), w = random.Next(1, 30);
            int x0 = random.Next(0, w), y0 = random.Next(0, h);
            int x1 = random.Next(x0, w + 1), y1 = random.Next(y0, h + 1);
            if (i % 7 == 0) (x0, y0, x1, y1) = (0, 0, w, h);
            var window = new MaskWindow(x0, y0, x1, y1);
            var pixels = new byte[window.Area];
            double fill = random.NextDouble();
            for (int p = 0; p < pixels.Length; p++) pixels[p] = random.NextDouble() < fill ? (byte)1 : (byte)0;
            yield return new CroppedMask(h, w, window, pixels);
        }
    }

    [Fact]
    public void Rle_from_the_crop_equals_rle_of_the_full_frame_and_decodes_back()
    {
        foreach (var mask in RandomMasks(seed: 1, count: 300))
        {
            var full = mask.ToFullFrame();
            var rle = MaskApi.Encode(mask);
            var expected = MaskApi.Encode(full, mask.ImageHeight, mask.ImageWidth);
            Assert.Equal((expected.Height, expected.Width), (rle.Height, rle.Width));
            Assert.Equal(expected.Counts, rle.Counts);
            Assert.Equal(full, MaskApi.Decode(rle));
            Assert.Equal(MaskApi.Area(rle), mask.Area);
        }
        Assert.Equal([12u], MaskApi.Encode(CroppedMask.Empty(3, 4)).Counts);
    }

    [Fact]
    public void Tight_and_from_full_frame_keep_the_mask_in_the_smallest_window()
    {
        foreach (var mask in RandomMasks(seed: 2, count: 200))
        {
            var full = mask.ToFullFrame();
            var tight = CroppedMask.FromFullFrame(full, mask.ImageHeight, mask.ImageWidth);
            Assert.Equal(full, tight.ToFullFrame());
            Assert.Equal(full, mask.Tight().ToFullFrame());
            if (tight.Window.IsEmpty) continue;
            // Each side of the window holds a pixel of the mask.
            Assert.Contains(Enumerable.Range(tight.Window.Y0, tight.Window.Height), y => tight.At(tight.Window.X0, y));
            Assert.Contains(Enumerable.Range(tight.Window.Y0, tight.Window.Height), y => tight.At(tight.Window.X1 - 1, y));
            Assert.Contains(Enumerable.Range(tight.Window.X0, tight.Window.Width), x => tight.At(x, tight.Window.Y0));
            Assert.Contains(Enumerable.Range(tight.Window.X0, tight.Window.Width), x => tight.At(x, tight.Window.Y1 - 1));
        }
    }

    [Fact]
    public void Union_and_iou_within_a_region_count_as_on_full_frames()
    {
        var random = new Random(3);
        var masks = RandomMasks(seed: 4, count: 400).ToList();
        for (int i = 0; i + 1 < masks.Count; i += 2)
        {
            var a = masks[i];
            // The same image for both: the second mask's pixels moved into the first one's image.
            var b = CroppedMask.FromFullFrame(RandomMasks(seed: 100 + i, count: 1).Select(m => Resized(m, a)).Single(), a.ImageHeight, a.ImageWidth);
            var fa = a.ToFullFrame();
            var fb = b.ToFullFrame();
            Assert.Equal(fa.Zip(fb, (p, q) => (byte)(p | q)).ToArray(), a.Union(b).ToFullFrame());
            int rx0 = random.Next(0, a.ImageWidth), ry0 = random.Next(0, a.ImageHeight);
            var region = new MaskWindow(rx0, ry0, random.Next(rx0, a.ImageWidth + 1), random.Next(ry0, a.ImageHeight + 1));
            long inter = 0, union = 0;
            for (int y = region.Y0; y < region.Y1; y++)
                for (int x = region.X0; x < region.X1; x++)
                {
                    bool p = fa[y * a.ImageWidth + x] != 0, q = fb[y * a.ImageWidth + x] != 0;
                    if (p && q) inter++;
                    if (p || q) union++;
                }
            Assert.Equal(union == 0 ? 0 : (double)inter / union, a.IouWithin(b, region));
        }
    }

    /// <summary>Mask <paramref name="m"/>'s pixels (wrapped) on <paramref name="like"/>'s image size.</summary>
    static byte[] Resized(CroppedMask m, CroppedMask like)
    {
        var full = m.ToFullFrame();
        var result = new byte[like.ImageHeight * like.ImageWidth];
        for (int y = 0; y < like.ImageHeight; y++)
            for (int x = 0; x < like.ImageWidth; x++)
                result[y * like.ImageWidth + x] = full[(y % m.ImageHeight) * m.ImageWidth + x % m.ImageWidth];
        return result;
    }

    [Fact]
    public void Translate_places_a_tile_mask_in_the_image()
    {
        var tile = new CroppedMask(4, 4, new MaskWindow(1, 2, 3, 4), [1, 0, 1, 1]);
        var placed = tile.Translate(10, 20, 30, 40);
        Assert.Equal((30, 40, new MaskWindow(11, 22, 13, 24)), (placed.ImageHeight, placed.ImageWidth, placed.Window));
        Assert.True(placed.At(11, 22) && !placed.At(12, 22) && placed.At(12, 23));
        Assert.Throws<ArgumentException>(() => tile.Translate(38, 0, 30, 40));
    }
}
