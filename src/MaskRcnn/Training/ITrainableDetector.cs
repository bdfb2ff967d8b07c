using MaskRcnn.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// What the trainer needs from a model: its loss terms on a batch, its trainable parameters by name, and its
/// state dict for checkpoints. <see cref="ModuleDetector"/> adapts any <c>nn.Module</c>.
/// </summary>
public interface ITrainableDetector
{
    /// <summary>The named loss terms (scalars) for a batch, computed in training mode. <paramref name="iteration"/>
    /// (0-based) keys any randomness of the model's own (multi-scale sizes), so a resumed run repeats it.</summary>
    Dictionary<string, Tensor> ComputeLosses(IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, int iteration);

    /// <summary>All parameters with their state-dict names, frozen ones included (the optimizer filters them).</summary>
    IEnumerable<(string Name, Parameter Parameter)> NamedParameters();

    /// <summary>Parameters and buffers by their state-dict (torchvision) names.</summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>Copies every entry of a state dict into the model; a missing or extra name is an error.</summary>
    void LoadStateDict(Dictionary<string, Tensor> stateDict);

    /// <summary>Switches between training and inference behaviour (batch norm, dropout, the detector's heads).</summary>
    void SetTraining(bool training);
}
