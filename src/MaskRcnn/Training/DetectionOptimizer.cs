using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Training;

/// <summary>
/// TorchSharp's SGD set up for detection training: only parameters that require gradients (frozen backbone
/// stages stay out), a separate parameter group for biases and normalisation weights when their weight
/// decay differs, optional gradient clipping, and the momentum buffers exposed by parameter name so that
/// checkpoints can store them.
/// </summary>
public sealed class DetectionOptimizer : IDisposable
{
    readonly SGD sgd;
    readonly List<(string Name, Parameter Parameter)> ordered; // the order of sgd.state_dict().State
    readonly double? clipGradNorm;

    public DetectionOptimizer(IEnumerable<(string Name, Parameter Parameter)> namedParameters, OptimizerSettings settings, double initialLearningRate)
    {
        var trainable = namedParameters.Where(p => p.Parameter.requires_grad).ToList();
        if (trainable.Count == 0) throw new ArgumentException("the model has no parameter that requires gradients", nameof(namedParameters));
        double normDecay = settings.NormAndBiasWeightDecay ?? settings.WeightDecay;
        // A parameter of at most one dimension is a bias or a norm layer's scale; conv and linear weights have more.
        var decayed = trainable.Where(p => normDecay == settings.WeightDecay || p.Parameter.dim() > 1).ToList();
        var undecayed = trainable.Except(decayed).ToList();
        var groups = new List<SGD.ParamGroup>
        {
            new(decayed.Select(p => p.Parameter), initialLearningRate, settings.Momentum, 0, settings.WeightDecay, false, false),
        };
        if (undecayed.Count > 0)
            groups.Add(new(undecayed.Select(p => p.Parameter), initialLearningRate, settings.Momentum, 0, normDecay, false, false));
        sgd = torch.optim.SGD(groups, initialLearningRate, settings.Momentum, 0, settings.WeightDecay);
        ordered = decayed.Concat(undecayed).ToList();
        clipGradNorm = settings.ClipGradNorm;
    }

    /// <summary>The names of the optimised parameters, in parameter-group order.</summary>
    public IReadOnlyList<string> ParameterNames => ordered.Select(p => p.Name).ToList();

    /// <summary>Number of parameter groups (1, or 2 when biases and norm weights decay differently).</summary>
    public int GroupCount => sgd.ParamGroups.Count();

    public double LearningRate
    {
        get => sgd.ParamGroups.First().LearningRate;
        set
        {
            foreach (var group in sgd.ParamGroups) group.LearningRate = value;
        }
    }

    /// <summary>The optimised parameters, in parameter-group order (the order of <see cref="ParameterNames"/>).</summary>
    public IReadOnlyList<Parameter> Parameters => ordered.Select(p => p.Parameter).ToList();

    /// <summary>Back-propagates <paramref name="loss"/> and applies one SGD update; returns the gradient norm before clipping when clipping is on.</summary>
    /// <param name="loss">The scalar to minimise.</param>
    /// <param name="afterBackward">Runs between back-propagation and the update (data-parallel runs average the gradients there, before clipping).</param>
    public double? Step(Tensor loss, Action? afterBackward = null)
    {
        sgd.zero_grad();
        loss.backward();
        afterBackward?.Invoke();
        double? norm = null;
        if (clipGradNorm is double max)
            norm = torch.nn.utils.clip_grad_norm_(ordered.Select(p => p.Parameter), max, 2.0);
        sgd.step();
        return norm;
    }

    /// <summary>Copies of the momentum buffers by parameter name (parameters not yet updated have none).</summary>
    public Dictionary<string, Tensor> MomentumBuffers()
    {
        var states = sgd.state_dict().State;
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < ordered.Count; i++)
            if (((SGD.State)states[i]).momentum_buffer is Tensor buf)
                result[ordered[i].Name] = buf.detach().clone().DetachFromDisposeScope();
        return result;
    }

    /// <summary>Replaces the momentum buffers; a parameter absent from <paramref name="buffers"/> starts without one, as after construction.</summary>
    public void LoadMomentumBuffers(IReadOnlyDictionary<string, Tensor> buffers)
    {
        var names = ordered.Select(p => p.Name).ToHashSet();
        var unknown = buffers.Keys.Where(k => !names.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"momentum buffers for parameters the optimizer does not have: {string.Join(", ", unknown.Take(5))}");
        var states = sgd.state_dict().State;
        for (int i = 0; i < ordered.Count; i++)
        {
            var state = (SGD.State)states[i];
            state.momentum_buffer?.Dispose();
            state.momentum_buffer = null!;
            if (!buffers.TryGetValue(ordered[i].Name, out var saved)) continue;
            var p = ordered[i].Parameter;
            if (!saved.shape.SequenceEqual(p.shape))
                throw new InvalidDataException($"momentum buffer of '{ordered[i].Name}' has shape [{string.Join(",", saved.shape)}], the parameter [{string.Join(",", p.shape)}]");
            state.momentum_buffer = saved.to(p.dtype, p.device).clone().DetachFromDisposeScope();
        }
    }

    public void Dispose() => sgd.Dispose();
}
