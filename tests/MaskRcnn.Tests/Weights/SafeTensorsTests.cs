using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Weights;

public class SafeTensorsTests
{
    [Fact]
    public void RoundTripsEveryDtypeWithMetadata()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "t.safetensors");
        using var a = arange(12, dtype: float32).reshape(3, 4);
        using var b = tensor(new long[] { -1, 5, 1L << 40 });
        using var c = tensor(new byte[] { 0, 255 });
        using var d = empty(0, 4);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c, ["d"] = d },
            new Dictionary<string, string> { ["format"] = "pt" });
        var back = SafeTensors.Load(path);
        Assert.Equal(new[] { "a", "b", "c", "d" }, back.Keys);
        Assert.Equal(a.data<float>().ToArray(), back["a"].data<float>().ToArray());
        Assert.Equal(new long[] { 3, 4 }, back["a"].shape);
        Assert.Equal(new long[] { -1, 5, 1L << 40 }, back["b"].data<long>().ToArray());
        Assert.Equal(new byte[] { 0, 255 }, back["c"].data<byte>().ToArray());
        Assert.Equal(new long[] { 0, 4 }, back["d"].shape);
        Assert.Equal("pt", SafeTensors.ReadMetadata(path)["format"]);
        foreach (var t in back.Values) t.Dispose();
        // The header is 8-byte aligned as the reference implementation writes it.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BitConverter.ToUInt64(bytes, 0) % 8);
        dir.Delete(true);
    }

    [Fact]
    public void RejectsAFileThatIsNotSafetensorsNamingIt()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "this is not a tensor file at all");
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        File.Delete(path);
    }
}
