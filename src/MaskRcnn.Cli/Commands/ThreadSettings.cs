using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>Applies <c>--threads</c>: 0 leaves libtorch's default (one thread per core).</summary>
static class ThreadSettings
{
    public static void Apply(int threads)
    {
        if (threads < 0) throw new CliException($"--threads must be 0 or more, got {threads}", ExitCodes.Usage);
        if (threads > 0) torch.set_num_threads(threads);
    }
}
