using System.CommandLine;
using MaskRcnn.Runtime;
using static TorchSharp.torch;

namespace MaskRcnn.Cli.Commands;

/// <summary>Options several commands share, so they are spelled and described the same everywhere.</summary>
static class CommonOptions
{
    public const string DeviceOption = "--device";

    /// <summary><c>--device</c>, declared once on the root command and inherited by every sub-command.</summary>
    public static Option<string> Device() => new(DeviceOption)
    {
        Description = "Where the model runs: cpu, cuda or cuda:INDEX (CUDA needs a build with -p:TorchBackendPackage=TorchSharp-cuda-linux)",
        DefaultValueFactory = _ => "cpu",
        Recursive = true,
    };

    /// <summary>The parsed <c>--device</c>, checked against the loaded libtorch; a usage error in one line otherwise.</summary>
    public static Device DeviceOf(ParseResult parse)
    {
        try
        {
            return ComputeDevice.Parse(parse.GetValue<string>(DeviceOption) ?? "cpu");
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }

    public static Option<FileInfo> Weights(bool required) => new("--weights", "-w")
    {
        Description = "Model weights: a .safetensors file (torchvision names) or a checkpoint folder",
        Required = required,
    };

    public static Option<DirectoryInfo> Output(string defaultFolder) => new("--output", "-o")
    {
        Description = "Folder for the results",
        DefaultValueFactory = _ => new DirectoryInfo(defaultFolder),
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed for every random choice (data order, initialisation, synthetic data)",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--threads</c>, validated while parsing, so every command rejects a negative count the same way.</summary>
    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads")
        {
            Description = "CPU threads for libtorch (0: libtorch's default)",
            DefaultValueFactory = _ => 0,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 and var n) result.AddError($"--threads must be 0 or more, got {n}");
        });
        return option;
    }

    public static Option<FileInfo?> ModelConfig() => new("--config")
    {
        Description = "Model config JSON (default: the config stored with the weights)",
    };

    public static Option<int?> NumClasses() => new("--num-classes")
    {
        Description = "Classes including background, for weights without a stored config (ResNet-50-FPN layout)",
    };

    // System.CommandLine parses enum names case-insensitively; the allowed list keeps the help at <bf16|fp32>.
    public static Option<ComputePrecision> Precision() => new Option<ComputePrecision>("--precision")
    {
        Description = "fp32, or bf16 for convolutions and linear layers (norms, RoIAlign, box decoding, NMS and mask paste stay fp32)",
        DefaultValueFactory = _ => ComputePrecision.Fp32,
    }.AcceptOnlyFromAmong("fp32", "bf16");

    public static Option<bool> NoBatchNormFolding() => new("--no-batch-norm-folding")
    {
        Description = "Keep frozen batch norms as separate layers (torchvision's exact operation order) instead of folding them into the convolutions",
    };

    public static Option<bool> Force() => new("--force")
    {
        Description = "Overwrite existing output files (without it, a run that would overwrite any stops before starting)",
    };

    /// <summary>Stops a run before it starts when it would overwrite <paramref name="existing"/> files and <c>--force</c> was not given.</summary>
    public static void RefuseOverwrite(IReadOnlyList<string> existing, bool force)
    {
        if (existing.Count > 0 && !force)
            throw new CliException($"{existing[0]} already exists{(existing.Count > 1 ? $" (and {existing.Count - 1} more outputs)" : "")}; " +
                                   "use --force to overwrite or choose another --output");
    }
}
