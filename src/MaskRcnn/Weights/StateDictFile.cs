using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>Reads a state dict from a <c>.safetensors</c> file or a <c>torch.save</c>d <c>.pth</c> (zip + pickle).</summary>
public static class StateDictFile
{
    /// <summary>Loads every tensor onto the CPU; the format is recognised from the file's first bytes, not its extension.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights file not found", path);
        Span<byte> magic = stackalloc byte[4];
        using (var probe = File.OpenRead(path))
        {
            if (probe.Read(magic) < 4) throw new InvalidDataException($"{path}: too short to be a weights file");
        }
        // torch.save writes a zip archive since torch 1.6; "PK\x03\x04" is its local-file-header signature.
        if (magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) return ReadPickle(path);
        // torch.save's format before torch 1.6: a bare protocol-2 pickle starting with the magic number (LONG1, 10 bytes).
        if (magic[0] == 0x80 && magic[1] == 0x02 && magic[2] == 0x8a && magic[3] == 0x0a)
            throw new InvalidDataException($"{path}: torch.save's legacy format (before torch 1.6), which cannot be read without Python; re-save it once with torch.save(torch.load(\"{Path.GetFileName(path)}\"), \"new.pth\")");
        return SafeTensors.Load(path);
    }

    static Dictionary<string, Tensor> ReadPickle(string path)
    {
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: cannot read as a torch.save'd state dict ({e.Message}); save model.state_dict(), not the model object", e);
        }
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor t)
                throw new InvalidDataException($"{path}: entry '{entry.Key}' is not a named tensor; expected a flat state dict");
            result[key] = t;
        }
        return result;
    }
}
