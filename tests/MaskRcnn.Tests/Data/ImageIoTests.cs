using MaskRcnn.Data.Images;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Data;

public class ImageIoTests
{
    // The PNGs and the expected pixels come from PIL (tests/fixtures/data/make_fixtures.py): each mode's
    // convert("RGB"), which is what torchvision's CocoDetection hands to the model.
    [Theory]
    [InlineData("L.png")]
    [InlineData("LA.png")]
    [InlineData("RGBA.png")]
    [InlineData("P.png")]
    [InlineData("RGB.png")]
    [InlineData("JPEG.jpg")]
    [InlineData("JPEG_L.jpg")]
    public void LoadConvertsEveryModeToRgbAsPilDoes(string file)
    {
        string mode = Path.GetFileNameWithoutExtension(file);
        var expected = SafeTensors.Load(TestPaths.Fixture("data", "images_expected.safetensors"));
        using var want = expected[mode];
        var image = ImageIo.Load(TestPaths.Fixture("data", $"images_{file}"));
        Assert.Equal((int)want.shape[1], image.Width);
        Assert.Equal((int)want.shape[0], image.Height);
        Assert.Equal(want.data<byte>().ToArray(), image.Pixels);
        foreach (var t in expected.Values) t.Dispose();
    }

    [Fact]
    public void ToTensorIsChannelFirstBytesOver255()
    {
        // 2×1 image: pixel (0,0) = (0, 128, 255), pixel (1,0) = (1, 2, 3).
        var image = new RgbImage(2, 1, [0, 128, 255, 1, 2, 3]);
        using var t = ImageIo.ToTensor(image);
        Assert.Equal(new long[] { 3, 1, 2 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(new[] { 0f, 1 / 255f, 128 / 255f, 2 / 255f, 1f, 3 / 255f }, t.data<float>().ToArray());
    }

    [Fact]
    public void SavePngRoundTripsAndIsDeterministic()
    {
        using var dir = new TempDirectory();
        var pixels = new byte[5 * 3 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 256);
        var image = new RgbImage(5, 3, pixels);
        string a = dir.File("a.png"), b = dir.File("sub", "b.png");
        ImageIo.SavePng(image, a);
        ImageIo.SavePng(image, b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(pixels, ImageIo.Load(a).Pixels);
        Assert.Equal((5, 3), ImageIo.ReadSize(a));
    }

    [Fact]
    public void MissingFileIsReportedByName()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-image-{Guid.NewGuid()}.png");
        var e = Assert.Throws<FileNotFoundException>(() => ImageIo.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Throws<FileNotFoundException>(() => ImageIo.ReadSize(path));
    }

    [Fact]
    public void CorruptOrTruncatedFileIsReportedByName()
    {
        using var dir = new TempDirectory();
        string garbage = dir.File("garbage.png");
        File.WriteAllBytes(garbage, "this is not an image"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => ImageIo.Load(garbage));
        Assert.Contains(garbage, e.Message);

        // A real PNG cut short: the header still parses, the pixel data does not.
        string whole = dir.File("whole.png"), cut = dir.File("cut.png");
        var noisy = new byte[40 * 40 * 3];
        for (int i = 0; i < noisy.Length; i++) noisy[i] = (byte)(i * 7919 % 251);
        ImageIo.SavePng(new RgbImage(40, 40, noisy), whole);
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => ImageIo.Load(cut));
        Assert.Contains(cut, e.Message);
    }

    [Fact]
    public void PixelBufferMustMatchTheSize() =>
        Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));
}
