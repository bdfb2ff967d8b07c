using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>Applies <c>--threads</c> (validated when parsing, <see cref="CommonOptions.Threads"/>): 0 leaves libtorch's default (one thread per core).</summary>
static class ThreadSettings
{
    public static void Apply(int threads)
    {
        if (threads > 0) torch.set_num_threads(threads);
    }
}
