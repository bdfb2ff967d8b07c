using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Modeling;

namespace MaskRcnn.Weights;

/// <summary>
/// Where a model's weights come from, found without reading the tensors: the file, its format and size, the
/// safetensors metadata, and the model config stored with the weights (by <see cref="ModelWeights.Save"/> in the
/// metadata, or in a training checkpoint's state), if any.
/// </summary>
/// <param name="Path">The weights file itself (a checkpoint's <c>model.safetensors</c> when given a checkpoint or run folder).</param>
/// <param name="Format">How the file is stored (recognised by content).</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Metadata">The safetensors <c>__metadata__</c> map; empty for <c>.pth</c> files.</param>
/// <param name="EmbeddedConfig">The model config saved with the weights; null when there is none.</param>
/// <param name="Checkpoint">The checkpoint folder when the weights are a training checkpoint's.</param>
public sealed record WeightsSource(
    string Path, WeightsFormat Format, long SizeBytes, IReadOnlyDictionary<string, string> Metadata,
    MaskRcnnConfig? EmbeddedConfig, CheckpointDirectory? Checkpoint)
{
    /// <summary>
    /// Describes <paramref name="path"/>: a <c>.safetensors</c> or <c>.pth</c> file (recognised by content, not by
    /// extension), a checkpoint folder, or a run folder (its latest checkpoint).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>, or a folder without a checkpoint.</exception>
    /// <exception cref="InvalidDataException">Not a weights file, or its stored config is malformed; names the file.</exception>
    public static WeightsSource Open(string path)
    {
        if (Directory.Exists(path)) return OpenCheckpoint(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found", path);
        long size = new FileInfo(path).Length;
        var format = Probe(path, size);
        if (format == WeightsFormat.TorchPickle) return new WeightsSource(path, format, size, new Dictionary<string, string>(), null, null);

        Dictionary<string, string> metadata;
        try
        {
            metadata = SafeTensors.ReadMetadata(path);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or EndOfStreamException)
        {
            throw NotWeights(path, e);
        }
        MaskRcnnConfig? config = metadata.TryGetValue(ModelWeights.ConfigMetadataKey, out var json) ? ParseConfig(json, path) : null;
        return new WeightsSource(path, WeightsFormat.SafeTensors, size, metadata, config, null);
    }

    static WeightsSource OpenCheckpoint(string folder)
    {
        var checkpoint = CheckpointDirectory.Resolve(folder);
        var weights = Open(checkpoint.Model);
        return weights with { EmbeddedConfig = weights.EmbeddedConfig ?? StoredConfig(checkpoint), Checkpoint = checkpoint };
    }

    /// <summary>The <c>model_config</c> entry of a checkpoint's state file (checkpoints before configs were kept in the weights' metadata).</summary>
    static MaskRcnnConfig? StoredConfig(CheckpointDirectory checkpoint)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(checkpoint.State))?["model_config"];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{checkpoint.State}: malformed checkpoint state ({e.Message})", e);
        }
        return node is null ? null : ParseConfig(node.ToJsonString(), checkpoint.State);
    }

    static MaskRcnnConfig ParseConfig(string json, string origin)
    {
        try
        {
            return MaskRcnnConfig.FromJson(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{origin}: the stored model config is malformed ({e.Message})", e);
        }
    }

    /// <summary>The format from the first bytes, checked before any header is parsed so that an image or text file
    /// given by mistake is not read as a gigabyte-long safetensors header.</summary>
    static WeightsFormat Probe(string path, long size)
    {
        Span<byte> head = stackalloc byte[8];
        using (var stream = File.OpenRead(path))
            if (stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) < 8) throw NotWeights(path);
        // torch.save writes a zip archive since torch 1.6; "PK\x03\x04" is its local-file-header signature.
        if (head[..4].SequenceEqual("PK\x03\x04"u8)) return WeightsFormat.TorchPickle;
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (headerLength < 2 || headerLength > (ulong)(size - 8)) throw NotWeights(path);
        return WeightsFormat.SafeTensors;
    }

    static InvalidDataException NotWeights(string path, Exception? inner = null) =>
        new($"{path}: not a weights file (neither safetensors nor a torch.save'd .pth)", inner);
}
