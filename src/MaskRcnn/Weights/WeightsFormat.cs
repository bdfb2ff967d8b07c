namespace MaskRcnn.Weights;

/// <summary>How a weights file is stored.</summary>
public enum WeightsFormat
{
    /// <summary>safetensors: a JSON header (with optional string metadata) and raw tensor data.</summary>
    SafeTensors,

    /// <summary><c>torch.save</c>'s zip archive with a pickled state dict (<c>.pth</c>).</summary>
    TorchPickle,
}
