using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// Reader and writer for the safetensors format (8-byte little-endian header length, a JSON header
/// mapping names to dtype/shape/byte offsets, then the raw little-endian data). Written here rather
/// than taken from a package so that errors name the file and the tensor, and so that writes are
/// atomic (a temporary file renamed over the target only once it is complete).
/// </summary>
public static class SafeTensors
{
    static readonly Dictionary<ScalarType, string> DtypeNames = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8", [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    /// <summary>Loads every tensor of a safetensors file onto the CPU, in file order.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var stream = File.OpenRead(path);
        Span<byte> lenBytes = stackalloc byte[8];
        if (stream.Read(lenBytes) != 8) throw new InvalidDataException($"{path}: not a safetensors file (shorter than 8 bytes)");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (headerLen == 0 || headerLen > (ulong)Math.Min(stream.Length - 8, 100_000_000))
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLen} does not fit the file)");
        var headerBytes = new byte[headerLen];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)!.AsObject();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a safetensors file (header is not JSON: {e.Message})");
        }
        long dataStart = 8 + (long)headerLen;
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var info = node!.AsObject();
                string dtypeName = info["dtype"]!.GetValue<string>();
                var dtype = DtypeNames.FirstOrDefault(kv => kv.Value == dtypeName).Key;
                if (!DtypeNames.ContainsKey(dtype) || DtypeNames[dtype] != dtypeName)
                    throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype {dtypeName}");
                long[] shape = info["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var offsets = info["data_offsets"]!.AsArray();
                long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                if (begin < 0 || end < begin || dataStart + end > stream.Length)
                    throw new InvalidDataException($"{path}: tensor '{name}' data offsets [{begin},{end}) lie outside the file");
                var bytes = new byte[end - begin];
                stream.Seek(dataStart + begin, SeekOrigin.Begin);
                stream.ReadExactly(bytes);
                var t = empty(shape, dtype);
                if (t.NumberOfElements * t.ElementSize != bytes.LongLength)
                    throw new InvalidDataException($"{path}: tensor '{name}' has {bytes.LongLength} bytes but shape [{string.Join(",", shape)}] {dtypeName} needs {t.NumberOfElements * t.ElementSize}");
                t.bytes = bytes;
                result[name] = t;
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Reads the optional <c>__metadata__</c> string map of a safetensors file.</summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> lenBytes = stackalloc byte[8];
        stream.ReadExactly(lenBytes);
        var headerBytes = new byte[BinaryPrimitives.ReadUInt64LittleEndian(lenBytes)];
        stream.ReadExactly(headerBytes);
        var meta = JsonNode.Parse(headerBytes)!.AsObject()["__metadata__"];
        return meta is null ? new() : meta.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
    }

    /// <summary>
    /// Writes tensors (moved to CPU, made contiguous) to <paramref name="path"/> atomically: the data goes
    /// to a temporary file in the same folder that replaces the target only once fully written.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header["__metadata__"] = m;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (!DtypeNames.TryGetValue(tensor.dtype, out var dtypeName))
                throw new ArgumentException($"tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store");
            using var cpu = tensor.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(cpu.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.LongLength),
            };
            blobs.Add(bytes);
            offset += bytes.LongLength;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces to 8 bytes, as the reference implementation does for alignment.
        int pad = (8 - headerBytes.Length % 8) % 8;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var fs = File.Create(tmp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(headerBytes.Length + pad));
            fs.Write(len);
            fs.Write(headerBytes);
            for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
            foreach (var b in blobs) fs.Write(b);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, full, overwrite: true);
    }
}
