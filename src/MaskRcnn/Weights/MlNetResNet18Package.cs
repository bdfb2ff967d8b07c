using System.Diagnostics;

namespace MaskRcnn.Weights;

/// <summary>
/// ML.NET's ImageNet ResNet-18 (NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1, MIT): a CNTK 2.6 ONNX
/// export and its preprocessing graph. No project references the package — its 63 MB model would be copied into
/// every build output — so the files are read from the NuGet package folder, where <c>dotnet restore</c> puts them
/// (the test project asks for it with a <c>PackageDownload</c>); when absent they are restored on first use.
/// </summary>
public static class MlNetResNet18Package
{
    public const string Id = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string Version = "0.23.1";

    /// <summary>The model inside the package folder.</summary>
    public const string ModelFile = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>The preprocessing graph (RGB 0–255 → BGR minus a mean image).</summary>
    public const string PreprocessFile = "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>The package's folder in the NuGet cache: <c>$NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>, then id/version.</summary>
    public static string PackageFolder
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(root))
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(root, Id.ToLowerInvariant(), Version);
        }
    }

    /// <summary>The two files when the package is already in the NuGet folder, else null.</summary>
    public static (string Model, string Preprocess)? Find()
    {
        var model = Path.Combine(PackageFolder, ModelFile);
        var prep = Path.Combine(PackageFolder, PreprocessFile);
        return File.Exists(model) && File.Exists(prep) ? (model, prep) : null;
    }

    /// <summary>
    /// The two files, restoring the package into the NuGet folder first when it is not there (runs
    /// <c>dotnet restore</c> on a throw-away project that only downloads it; about 60 MB). Throws
    /// <see cref="InvalidOperationException"/> with one line when the restore fails (no SDK, no feed).
    /// </summary>
    public static (string Model, string Preprocess) Locate(TextWriter? log = null)
    {
        if (Find() is { } found) return found;
        log?.WriteLine($"restoring {Id} {Version} into {PackageFolder} (first use)");
        var dir = Directory.CreateTempSubdirectory("maskrcnn-restore-");
        try
        {
            // PackageDownload fetches a package without referencing it: no assemblies, no dependencies.
            File.WriteAllText(Path.Combine(dir.FullName, "restore.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
                  <ItemGroup><PackageDownload Include="{Id}" Version="[{Version}]" /></ItemGroup>
                </Project>
                """);
            var (exit, output) = Run("dotnet", $"restore \"{Path.Combine(dir.FullName, "restore.csproj")}\"", dir.FullName);
            if (exit != 0 || Find() is not { } restored)
                throw new InvalidOperationException($"cannot restore {Id} {Version} (dotnet restore exited {exit}): {LastLine(output)}");
            return restored;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    static (int Exit, string Output) Run(string file, string arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot restore {Id} {Version}: the dotnet SDK is not on PATH ({e.Message}); restore it with a project that has <PackageDownload Include=\"{Id}\" Version=\"[{Version}]\" />", e);
        }
    }

    static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
        ?? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
}
