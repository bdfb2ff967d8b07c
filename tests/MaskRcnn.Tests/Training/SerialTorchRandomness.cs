namespace MaskRcnn.Tests.Training;

/// <summary>
/// Tests that replay torch's global generator must not share it with tests running in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchRandomness
{
    public const string Name = "serial torch randomness";
}
