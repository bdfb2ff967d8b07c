namespace MaskRcnn.Modeling.Builders;

/// <summary>Chooses the builder of a config's architecture.</summary>
public static class MaskRcnnBuilder
{
    public static MaskRcnnParts Build(MaskRcnnConfig config) => config.Backbone.Architecture switch
    {
        Architecture.Fpn => FpnModelBuilder.Build(config),
        Architecture.C4 => C4ModelBuilder.Build(config),
        _ => throw new ArgumentException($"unknown architecture {config.Backbone.Architecture}"),
    };
}
