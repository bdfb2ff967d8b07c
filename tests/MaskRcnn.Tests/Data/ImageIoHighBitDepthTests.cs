using System.Text.Json;
using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

/// <summary>
/// 16-bit PNG/TIFF and 8-bit TIFF against tests/fixtures/import/make_fixtures.py: the expected bytes there are
/// numpy's percentile (and min/max, fixed) mapping of the samples tifffile and PIL wrote.
/// </summary>
public class ImageIoHighBitDepthTests
{
    static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("import", "expected.json"))).RootElement;

    static byte[] Bytes(string fixture, string key) =>
        Expected.GetProperty(fixture).GetProperty(key).EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray();

    static byte[] Gray(byte[] values) => values.SelectMany(v => new[] { v, v, v }).ToArray();

    [Theory]
    [InlineData("gray16.png", IntensityMappingMethod.Percentile, "percentile")]
    [InlineData("gray16.tif", IntensityMappingMethod.Percentile, "percentile")]
    [InlineData("gray16.tif", IntensityMappingMethod.MinMax, "minmax")]
    [InlineData("gray16.png", IntensityMappingMethod.Fixed, "fixed")]
    public void SixteenBitGrayIsMappedAsNumpyComputesIt(string file, IntensityMappingMethod method, string key)
    {
        var image = ImageIo.Load(TestPaths.Fixture("import", file), new ImageLoadOptions { Intensity = new IntensityMapping { Method = method } });
        Assert.Equal((16, 12), (image.Width, image.Height));
        Assert.Equal(Gray(Bytes("gray16", key)), image.Pixels);
    }

    [Fact]
    public void SixteenBitRgbPngSharesOneRangeOverItsChannels()
    {
        var image = ImageIo.Load(TestPaths.Fixture("import", "rgb16.png"));
        Assert.Equal(Bytes("rgb16", "percentile"), image.Pixels);
    }

    [Fact]
    public void PercentileRangeEqualsNumpys()
    {
        var image = SampleDecoder.Decode("gray16.png", File.ReadAllBytes(TestPaths.Fixture("import", "gray16.png")));
        var (low, high) = IntensityScaling.Range(image.Samples, IntensityMapping.Default);
        Assert.Equal(Expected.GetProperty("gray16").GetProperty("low").GetDouble(), low);
        Assert.Equal(Expected.GetProperty("gray16").GetProperty("high").GetDouble(), high);
    }

    [Fact]
    public void MultiPageTiffReadsTheFirstPageAndSaysSo()
    {
        var notices = new List<string>();
        var path = TestPaths.Fixture("import", "gray16_pages.tif");
        var image = ImageIo.Load(path, new ImageLoadOptions { Notice = notices.Add });
        Assert.Equal(Gray(Bytes("gray16", "percentile")), image.Pixels);
        Assert.Equal($"{path}: multi-page TIFF with 3 pages; only the first page is used", Assert.Single(notices));
    }

    [Fact]
    public void FloatTiffInZeroToOneIsReadAndRawCountsAreFlagged()
    {
        var notices = new List<string>();
        var options = new ImageLoadOptions { Notice = notices.Add, Intensity = new IntensityMapping { Method = IntensityMappingMethod.MinMax } };
        // A ramp from 0 to 1 in raster order: min/max mapping gives 0 first, 255 last, never decreasing.
        var ramp = ImageIo.Load(TestPaths.Fixture("import", "float01.tif"), options).Pixels.Where((_, i) => i % 3 == 0).ToArray();
        Assert.Equal((byte)0, ramp[0]);
        Assert.Equal((byte)255, ramp[^1]);
        Assert.True(ramp.Zip(ramp.Skip(1)).All(p => p.First <= p.Second));
        Assert.Empty(notices);
        ImageIo.Load(TestPaths.Fixture("import", "float_counts.tif"), options);
        Assert.Contains("32-bit TIFF with", Assert.Single(notices));
        Assert.Contains("which the decoder clips", notices[0]);
    }

    [Theory]
    [InlineData("gray8.tif", "gray8")]
    [InlineData("rgb8.tif", "rgb8")]
    public void EightBitTiffIsReadAsStored(string file, string key)
    {
        // A mapping that would change every value if it were applied: 8-bit images are never remapped.
        var image = ImageIo.Load(TestPaths.Fixture("import", file), new ImageLoadOptions { Intensity = new IntensityMapping { Method = IntensityMappingMethod.MinMax } });
        Assert.Equal(Bytes(key, "values"), image.Pixels);
        Assert.Equal((16, 12), ImageIo.ReadSize(TestPaths.Fixture("import", file)));
    }

    [Theory]
    [InlineData("labels16.png")]
    [InlineData("labels16.tif")]
    public void LabelImagesKeepTheirRawSixteenBitValues(string file)
    {
        var labels = ImageIo.LoadLabels(TestPaths.Fixture("import", file));
        var want = Expected.GetProperty("labels16").GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(want, labels.Labels);
        Assert.Contains(65535, labels.Labels);
    }

    [Fact]
    public void EightBitGrayPngLabelsAreRawValues()
    {
        // images_L.png is PIL mode L: its RGB expectation replicates the gray value, which is the raw label.
        var labels = ImageIo.LoadLabels(TestPaths.Fixture("data", "images_L.png"));
        var rgb = ImageIo.Load(TestPaths.Fixture("data", "images_L.png"));
        Assert.Equal(rgb.Pixels.Where((_, i) => i % 3 == 0).Select(v => (int)v), labels.Labels);
    }

    [Fact]
    public void LossyLabelImagesAreRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageIo.LoadLabels(TestPaths.Fixture("data", "images_JPEG.jpg")));
        Assert.Contains("neither PNG nor TIFF", e.Message);
    }

    [Fact]
    public void CocoDatasetReadsWithTheMappingItIsGiven()
    {
        using var dir = new TempDirectory();
        File.Copy(TestPaths.Fixture("import", "gray16.tif"), dir.File("a.tif"));
        var instances = new CocoInstances([new CocoImageInfo(1, "a.tif", 16, 12)], [new CocoCategory(1, "cell")],
            [new CocoAnnotation(1, 1, 1, [1, 1, 4, 4], 16, false, new PolygonSegmentation([[1, 1, 5, 1, 5, 5, 1, 5]]))]);
        var fixedMapping = new ImageLoadOptions { Intensity = new IntensityMapping { Method = IntensityMappingMethod.Fixed } };
        using var item = new CocoDataset(instances, dir.Path, new CocoDatasetOptions(Images: fixedMapping)).Load(0);
        using var expected = ImageIo.ToTensor(new RgbImage(16, 12, Gray(Bytes("gray16", "fixed"))));
        Assert.Equal(expected.data<float>().ToArray(), item.Image.data<float>().ToArray());
    }

    [Fact]
    public void IntensityMappingRoundTripsThroughTheConfigJson()
    {
        var config = MaskRcnnConfig.ResNet50Fpn(2) with
        {
            Transform = new TransformConfig { IntensityMapping = new IntensityMapping { Method = IntensityMappingMethod.Fixed, FixedMaximum = 4095 } },
        };
        string json = config.ToJson();
        Assert.Contains("\"Method\": \"Fixed\"", json);
        var back = MaskRcnnConfig.FromJson(json);
        Assert.Equal(config.Transform.IntensityMapping, back.Transform.IntensityMapping);
        Assert.Equal(IntensityMapping.Default, MaskRcnnConfig.FromJson(MaskRcnnConfig.ResNet50Fpn(2).ToJson()).Transform.IntensityMapping);
    }
}
