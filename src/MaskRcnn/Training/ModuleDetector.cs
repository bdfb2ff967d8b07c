using MaskRcnn.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>Adapts an <c>nn.Module</c> and its loss function to <see cref="ITrainableDetector"/>.</summary>
public sealed class ModuleDetector(
    nn.Module module,
    Func<IReadOnlyList<Tensor>, IReadOnlyList<TargetSet>, int, Dictionary<string, Tensor>> computeLosses) : ITrainableDetector
{
    /// <summary>For a loss function that ignores the iteration.</summary>
    public ModuleDetector(nn.Module module, Func<IReadOnlyList<Tensor>, IReadOnlyList<TargetSet>, Dictionary<string, Tensor>> computeLosses)
        : this(module, (images, targets, _) => computeLosses(images, targets)) { }

    public nn.Module Module { get; } = module;

    public Dictionary<string, Tensor> ComputeLosses(IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, int iteration) =>
        computeLosses(images, targets, iteration);

    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        Module.named_parameters().Select(np => (np.name, np.parameter));

    public Dictionary<string, Tensor> StateDict() => Module.state_dict();

    public void LoadStateDict(Dictionary<string, Tensor> stateDict)
    {
        var expected = Module.state_dict().Keys.ToHashSet();
        var missing = expected.Except(stateDict.Keys).ToList();
        var unexpected = stateDict.Keys.Except(expected).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"state dict does not fit the model: missing [{string.Join(", ", missing.Take(5))}]{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}, " +
                $"unexpected [{string.Join(", ", unexpected.Take(5))}]{(unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")}");
        Module.load_state_dict(stateDict, strict: true);
    }

    public void SetTraining(bool training) => Module.train(training);
}
