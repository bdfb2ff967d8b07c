using MaskRcnn.Modeling;

namespace MaskRcnn.Distributed;

/// <summary>What a data-parallel training run requires of its model.</summary>
public static class DistributedTraining
{
    /// <summary>
    /// Refuses trainable BatchNorm in a run of more than one process. Its batch statistics would be each rank's own
    /// (a different normalisation, and running averages that drift apart between ranks); a synchronised BatchNorm
    /// is not implemented. Distributed runs use FrozenBatchNorm — torchvision's choice for a pretrained backbone, which
    /// is how detection models are trained — so the N-process run computes what one process with the N-fold batch does.
    /// </summary>
    /// <exception cref="NotSupportedException">The backbone trains BatchNorm and <paramref name="processes"/> &gt; 1.</exception>
    public static void RequireSynchronisableNorm(MaskRcnnConfig config, int processes)
    {
        if (processes > 1 && config.Backbone.Norm == NormKind.BatchNorm)
            throw new NotSupportedException($"a {processes}-process run cannot train BatchNorm (per-process batch statistics differ and " +
                                            "synchronised BatchNorm is not implemented); use a config with Backbone.Norm \"FrozenBatchNorm\", " +
                                            "e.g. fine-tune from --weights");
    }
}
