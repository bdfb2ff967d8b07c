using System.Diagnostics;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Distributed;

/// <summary>Starts programs under Open MPI's mpirun (or alone) and collects their output.</summary>
internal static class MpiJob
{
    /// <summary>Why the MPI tests cannot run here, or null when mpirun and libmpi.so.40 are present.</summary>
    public static string? Unavailable { get; } = FindUnavailability();

    public static string ProbeDll => Built("tests", "MaskRcnn.DistributedProbe", "MaskRcnn.DistributedProbe.dll");

    public static string CliDll => Built("src", "MaskRcnn.Cli", "maskrcnn.dll");

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c> in <paramref name="processes"/> ranks (0: alone, without mpirun), one thread each.</summary>
    public static (int ExitCode, string Out, string Err) Run(int processes, string dll, params string[] args)
    {
        var start = processes == 0
            ? new ProcessStartInfo("dotnet")
            : new ProcessStartInfo("mpirun") { ArgumentList = { "--allow-run-as-root", "--oversubscribe", "-np", processes.ToString(), "--bind-to", "none", "dotnet" } };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.Environment["OMP_NUM_THREADS"] = "1";
        // Shared memory and loopback only: a test job never leaves the machine.
        start.Environment["OMPI_MCA_btl"] = "self,vader";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', start.ArgumentList)} did not finish in 3 minutes: {stderr.Result}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    static string Built(string folder, string project, string dll)
    {
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(TestPaths.RepoRoot, folder, project, "bin", config, "net10.0", dll);
    }

    static string? FindUnavailability()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
        if (!path.Any(d => File.Exists(Path.Combine(d, "mpirun"))))
            return "mpirun not found (install Open MPI: apt-get install openmpi-bin libopenmpi-dev)";
        string[] libDirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];
        if (!libDirs.Any(d => File.Exists(Path.Combine(d, "libmpi.so.40"))))
            return "libmpi.so.40 (Open MPI 4) not found";
        return null;
    }
}

/// <summary>A test that needs Open MPI; skipped, with the reason, where it is missing.</summary>
internal sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiJob.Unavailable is string reason) Skip = reason;
    }
}
