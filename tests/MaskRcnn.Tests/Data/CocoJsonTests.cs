using System.Text;
using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

public sealed class CocoJsonTests : IDisposable
{
    static readonly string FixtureDir = TestPaths.Fixture("coco-eval");
    static string GroundTruthPath => Path.Combine(FixtureDir, "ground_truth.json");
    static string DetectionsPath => Path.Combine(FixtureDir, "detections.json");

    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    string Write(string json, string name = "file.json")
    {
        var path = temp.File(name);
        File.WriteAllText(path, json);
        return path;
    }

    // A valid file: one 10x20 (h x w) image, one category; the annotation is spliced in.
    const string Header = """{"images":[{"id":7,"width":20,"height":10,"file_name":"a.png"}],"categories":[{"id":3,"name":"cat"}],"annotations":[""";

    static string WithAnnotation(string annotation) => Header + annotation + "]}";

    const string GoodAnnotation = """{"id":1,"image_id":7,"category_id":3,"bbox":[1,1,2,2],"area":4,"iscrowd":0,"segmentation":[[1,1,1,3,3,3,3,1]]}""";

    [Fact]
    public void ReadInstances_SharedFixture_MatchesAnIndependentDomRead()
    {
        var coco = CocoJson.ReadInstances(GroundTruthPath);
        using var doc = JsonDocument.Parse(File.ReadAllText(GroundTruthPath));
        var anns = doc.RootElement.GetProperty("annotations").EnumerateArray().ToList();
        Assert.Equal(doc.RootElement.GetProperty("images").GetArrayLength(), coco.Images.Count);
        Assert.Equal([1L, 3, 7, 18, 44], coco.Categories.Select(c => c.Id));
        Assert.Equal(anns.Count, coco.Annotations.Count);
        for (int i = 0; i < anns.Count; i++)
        {
            var a = coco.Annotations[i];
            Assert.Equal(anns[i].GetProperty("id").GetInt64(), a.Id);
            Assert.Equal(anns[i].GetProperty("area").GetDouble(), a.Area);
            Assert.Equal(anns[i].GetProperty("iscrowd").GetInt32() == 1, a.IsCrowd);
            Assert.Equal(anns[i].GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()), a.Bbox);
            var seg = anns[i].GetProperty("segmentation");
            if (seg.ValueKind == JsonValueKind.Array)
                Assert.Equal(seg.EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()),
                    Assert.IsType<PolygonSegmentation>(a.Segmentation).Polygons);
            else
                Assert.Equal(seg.GetProperty("counts").EnumerateArray().Select(v => v.GetUInt32()),
                    Assert.IsType<RleSegmentation>(a.Segmentation).Rle.Counts);
        }
    }

    [Fact]
    public void ReadResults_SharedFixture_DecodesCompressedMasksAndKeepsBoxes()
    {
        var gt = CocoJson.ReadInstances(GroundTruthPath);
        var results = CocoJson.ReadResults(DetectionsPath, gt);
        using var doc = JsonDocument.Parse(File.ReadAllText(DetectionsPath));
        var dets = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(dets.Count, results.Count);
        for (int i = 0; i < dets.Count; i++)
        {
            Assert.Equal(dets[i].GetProperty("score").GetDouble(), results[i].Score);
            Assert.Equal(dets[i].GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()), results[i].Bbox);
            Assert.Null(results[i].Area);   // boxes given: loadRes uses w*h
            Assert.Equal(dets[i].GetProperty("segmentation").GetProperty("counts").GetString(), MaskApi.ToCompressedString(results[i].Segmentation!));
        }
    }

    [Fact]
    public void StreamingReader_WithATinyBuffer_YieldsTheSameTokensAsOneSpan()
    {
        byte[] bytes = File.ReadAllBytes(GroundTruthPath);
        var expected = new List<(JsonTokenType, string)>();
        var whole = new Utf8JsonReader(bytes);
        while (whole.Read())
            expected.Add((whole.TokenType, Encoding.UTF8.GetString(whole.ValueSpan)));

        using var stream = new MemoryStream([0xEF, 0xBB, 0xBF, .. bytes]);
        var source = new JsonStreamReader(stream, initialBufferSize: 16);
        var reader = source.CreateReader();
        var actual = new List<(JsonTokenType, string)>();
        while (source.Read(ref reader))
            actual.Add((reader.TokenType, Encoding.UTF8.GetString(reader.ValueSpan)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void WriteInstances_ThenRead_RoundTrips()
    {
        var gt = CocoJson.ReadInstances(GroundTruthPath);
        // Also carry an RLE through the compressed form the writer uses.
        var rle = MaskApi.FromPolygon([1, 1, 1, 3, 3, 3, 3, 1], gt.Images[0].Height, gt.Images[0].Width);
        var extra = new CocoAnnotation(99999, gt.Images[0].Id, 1, [1, 1, 2, 2], 4, true, new RleSegmentation(rle));
        var original = gt with { Annotations = [.. gt.Annotations, extra] };
        var path = temp.File("gt.json");
        CocoJson.WriteInstances(path, original);
        var back = CocoJson.ReadInstances(path);
        Assert.Equal(original.Images, back.Images);
        Assert.Equal(original.Categories, back.Categories);
        Assert.Equal(original.Annotations.Count, back.Annotations.Count);
        for (int i = 0; i < back.Annotations.Count; i++)
        {
            var (a, b) = (original.Annotations[i], back.Annotations[i]);
            Assert.Equal((a.Id, a.ImageId, a.CategoryId, a.Area, a.IsCrowd), (b.Id, b.ImageId, b.CategoryId, b.Area, b.IsCrowd));
            Assert.Equal(a.Bbox, b.Bbox);
            if (a.Segmentation is PolygonSegmentation polygons)
                Assert.Equal(polygons.Polygons, Assert.IsType<PolygonSegmentation>(b.Segmentation).Polygons);
            else
                Assert.Equal(Assert.IsType<RleSegmentation>(a.Segmentation).Rle.Counts, Assert.IsType<RleSegmentation>(b.Segmentation).Rle.Counts);
        }
    }

    [Fact]
    public void WriteResults_ThenRead_RoundTrips()
    {
        var gt = CocoJson.ReadInstances(GroundTruthPath);
        var results = CocoJson.ReadResults(DetectionsPath, gt);
        var path = temp.File("res.json");
        CocoJson.WriteResults(path, results);
        var back = CocoJson.ReadResults(path, gt);
        Assert.Equal(results.Count, back.Count);
        for (int i = 0; i < back.Count; i++)
        {
            Assert.Equal((results[i].ImageId, results[i].CategoryId, results[i].Score), (back[i].ImageId, back[i].CategoryId, back[i].Score));
            Assert.Equal(results[i].Bbox, back[i].Bbox);
            Assert.Equal(results[i].Segmentation!.Counts, back[i].Segmentation!.Counts);
        }
    }

    [Fact]
    public void ReadInstances_CompressedAndMissingArea_AreAccepted()
    {
        // Square (1,1)-(3,3) of a 10x20 image: column-major start 1*10+1 = 11, runs [11,2,8,2,177] -> string by MaskApi.
        var rle = MaskApi.FromPolygon([1, 1, 1, 3, 3, 3, 3, 1], 10, 20);
        Assert.Equal([11u, 2, 8, 2, 177], rle.Counts);
        string counts = MaskApi.ToCompressedString(rle);
        var path = Write(WithAnnotation($$$"""{"id":1,"image_id":7,"category_id":3,"bbox":[1,1,2,2],"iscrowd":1,"segmentation":{"size":[10,20],"counts":"{{{counts}}}"}}"""));
        var a = Assert.Single(CocoJson.ReadInstances(path).Annotations);
        Assert.True(a.IsCrowd);
        Assert.Equal(rle.Counts, Assert.IsType<RleSegmentation>(a.Segmentation).Rle.Counts);
        Assert.Equal(4, a.Area);
    }

    [Fact]
    public void ReadResults_WithoutBoxes_TakeMaskBoxAndMaskArea()
    {
        var gtPath = Write(WithAnnotation(GoodAnnotation), "gt.json");
        var path = Write("""[{"image_id":7,"category_id":3,"score":0.5,"segmentation":{"size":[10,20],"counts":[11,2,8,2,177]}}]""");
        var r = Assert.Single(CocoJson.ReadResults(path, CocoJson.ReadInstances(gtPath)));
        Assert.Equal([1.0, 1, 2, 2], r.Bbox);
        Assert.Equal(4, r.Area);
    }

    [Fact]
    public void MalformedJson_NamesFileLineAndPosition()
    {
        var path = Write("{\"images\": [\n  {\"id\": 1,, \"width\": 3}\n]}");
        var e = Assert.Throws<CocoFormatException>(() => CocoJson.ReadInstances(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.IsAssignableFrom<JsonException>(e.InnerException);
    }

    [Theory]
    [InlineData("""{"id":5,"image_id":8,"category_id":3,"bbox":[1,1,2,2],"area":4,"segmentation":[[1,1,1,3,3,3]]}""", "image_id 8")]
    [InlineData("""{"id":5,"image_id":7,"category_id":4,"bbox":[1,1,2,2],"area":4,"segmentation":[[1,1,1,3,3,3]]}""", "category_id 4")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[1,1,2,2],"area":4,"segmentation":[[1,1,1,3]]}""", "2 points")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[1,1,0,2],"area":4,"segmentation":[[1,1,1,3,3,3]]}""", "zero or negative size")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[1,1,2,-2],"area":4,"segmentation":[[1,1,1,3,3,3]]}""", "zero or negative size")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[15,1,8,2],"area":4,"segmentation":[[1,1,1,3,3,3]]}""", "outside the 20x10 image")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[1,1,2,2],"area":4,"segmentation":{"size":[20,10],"counts":[200]}}""", "RLE of size [20, 10]")]
    [InlineData("""{"id":5,"image_id":7,"category_id":3,"bbox":[1,1,2,2],"area":4,"segmentation":{"size":[10,20],"counts":[190]}}""", "summing to 190")]
    public void InvalidAnnotation_ThrowsNamingFileItemAndProblem(string annotation, string problem)
    {
        var path = Write(WithAnnotation(GoodAnnotation + "," + annotation));
        var e = Assert.Throws<CocoFormatException>(() => CocoJson.ReadInstances(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("annotations[1] (id 5)", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void InvalidAnnotation_WithSkipInvalid_IsDroppedWithAWarning()
    {
        var path = Write(WithAnnotation(GoodAnnotation + ""","""+ """{"id":5,"image_id":8,"category_id":3,"bbox":[1,1,2,2],"area":4}"""));
        var warnings = new List<string>();
        var coco = CocoJson.ReadInstances(path, new CocoReadOptions(SkipInvalid: true, Warn: warnings.Add));
        Assert.Equal(1, Assert.Single(coco.Annotations).Id);
        Assert.Contains("annotations[1] (id 5)", Assert.Single(warnings));
    }

    [Fact]
    public void WrongValueType_ThrowsNamingTheItem()
    {
        var path = Write(WithAnnotation("""{"id":"x","image_id":7}"""));
        var e = Assert.Throws<CocoFormatException>(() => CocoJson.ReadInstances(path));
        Assert.Contains("annotations[0]", e.Message);
        Assert.Contains("'id'", e.Message);
    }

    [Fact]
    public void Results_OnUnknownImage_Throw_OrAreSkipped()
    {
        var gt = CocoJson.ReadInstances(Write(WithAnnotation(GoodAnnotation), "gt.json"));
        var path = Write("""[{"image_id":7,"category_id":3,"bbox":[1,1,2,2],"score":0.9},{"image_id":9,"category_id":3,"bbox":[1,1,2,2],"score":0.8}]""");
        var e = Assert.Throws<CocoFormatException>(() => CocoJson.ReadResults(path, gt));
        Assert.Contains(path, e.Message);
        Assert.Contains("results[1]", e.Message);
        Assert.Contains("image_id 9", e.Message);
        var warnings = new List<string>();
        Assert.Single(CocoJson.ReadResults(path, gt, new CocoReadOptions(true, warnings.Add)));
        Assert.Single(warnings);
        Assert.Equal(2, CocoJson.ReadResults(path).Count);   // without ground truth nothing to check against
    }

    [Fact]
    public void Results_WithMaskOfWrongSize_Throw()
    {
        var gt = CocoJson.ReadInstances(Write(WithAnnotation(GoodAnnotation), "gt.json"));
        var path = Write("""[{"image_id":7,"category_id":3,"bbox":[1,1,2,2],"score":0.9,"segmentation":{"size":[4,4],"counts":"T0"}}]""");
        var e = Assert.Throws<CocoFormatException>(() => CocoJson.ReadResults(path, gt));
        Assert.Contains("results[0]", e.Message);
        Assert.Contains("size [4, 4]", e.Message);
    }
}
