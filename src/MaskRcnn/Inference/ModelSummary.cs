using System.Globalization;
using MaskRcnn.Modeling;

namespace MaskRcnn.Inference;

/// <summary>Parameters of one part of the model (e.g. <c>backbone.body</c>, <c>roi_heads.mask_head</c>).</summary>
public sealed record ModelPart(string Name, long Parameters, long Trainable);

/// <summary>What a model is: its layout in words, its parameter counts per part, and its classes.</summary>
/// <param name="Architecture">The layout in words, e.g. "ResNet-50-FPN (stem width 64, FPN 256 channels), 91 classes ...".</param>
/// <param name="Parts">Parameter counts per part, in module order.</param>
/// <param name="Buffers">Values held in buffers (frozen batch-norm statistics), not counted as parameters, as in PyTorch.</param>
/// <param name="Classes">The labels' names and category ids.</param>
public sealed record ModelSummary(string Architecture, IReadOnlyList<ModelPart> Parts, long Buffers, ClassMap Classes)
{
    public long Parameters => Parts.Sum(p => p.Parameters);
    public long Trainable => Parts.Sum(p => p.Trainable);

    public static ModelSummary Of(MaskRcnnModel model)
    {
        var parts = model.named_parameters()
            .GroupBy(p => PartOf(p.name))
            .Select(g => new ModelPart(g.Key, g.Sum(p => p.parameter.numel()), g.Where(p => p.parameter.requires_grad).Sum(p => p.parameter.numel())))
            .ToList();
        long buffers = model.named_buffers().Sum(b => b.buffer.numel());
        return new ModelSummary(Describe(model.Config), parts, buffers, ClassMap.FromConfig(model.Config));
    }

    /// <summary>"backbone.body", "backbone.fpn", "rpn", "roi_heads.box_head", ...: two name levels under the
    /// backbone and the RoI heads, whose children are the paper's components, one elsewhere.</summary>
    static string PartOf(string name)
    {
        var levels = name.Split('.');
        return levels[0] is "backbone" or "roi_heads" && levels.Length > 2 ? $"{levels[0]}.{levels[1]}" : levels[0];
    }

    static string Describe(MaskRcnnConfig c)
    {
        var b = c.Backbone;
        var inv = CultureInfo.InvariantCulture;
        string layout = b.Architecture == Modeling.Architecture.Fpn
            ? $"ResNet-{b.Depth}-FPN (stem width {b.Width}, {b.Norm}, FPN {b.FpnOutChannels} channels)"
            : $"ResNet-{b.Depth}-C4 (stem width {b.Width}, {b.Norm}, res5 stride {b.C4Res5Stride})";
        string sizes = $"input shorter side {string.Join("/", c.Transform.MinSize.Select(s => s.ToString(inv)))}, longer at most {c.Transform.MaxSize.ToString(inv)}";
        return $"{layout}, {c.NumClasses} classes incl. background, {sizes}";
    }
}
