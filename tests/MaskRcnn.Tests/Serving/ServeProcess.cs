using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MaskRcnn.Tests.Serving;

/// <summary><c>maskrcnn serve</c> as a child process on 127.0.0.1 and a free port, as a user runs it.</summary>
public sealed partial class ServeProcess : IDisposable
{
    readonly Process process;
    readonly List<string> lines = [];
    readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Address { get; }
    public int Pid => process.Id;

    ServeProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public static async Task<ServeProcess> Start(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "maskrcnn"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["serve", "--host", "127.0.0.1", "--port", "0", .. args]) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start maskrcnn serve");
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add("stderr: " + e.Data); };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("maskrcnn serve exited: " + string.Join(" | ", output)));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var serve = new ServeProcess(process, address);
            serve.lines.AddRange(output);
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (serve.lines) serve.lines.Add(e.Data); };
            return serve;
        }
        catch
        {
            if (!process.HasExited) process.Kill();
            process.Dispose();
            throw;
        }
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Resident memory of the server process now (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return [.. lines]; }
    }

    public async Task WaitForLine(string text, TimeSpan timeout)
    {
        for (var clock = Stopwatch.StartNew(); !Lines.Any(l => l.Contains(text, StringComparison.Ordinal)); await Task.Delay(10))
            if (clock.Elapsed > timeout) throw new TimeoutException($"no line '{text}' from maskrcnn serve: {string.Join(" | ", Lines)}");
    }

    /// <summary>SIGTERM, as a service manager stops it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
