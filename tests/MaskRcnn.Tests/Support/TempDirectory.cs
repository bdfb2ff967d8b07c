namespace MaskRcnn.Tests.Support;

/// <summary>A fresh directory under the system temp folder, deleted with its contents on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("maskrcnn-tests-").FullName;

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies the folder <paramref name="from"/> with everything under it to <see cref="File"/>(<paramref name="parts"/>), so a
    /// test owns its copy of shipped data; returns the copy's path.</summary>
    public string CopyIn(string from, params string[] parts)
    {
        string to = File(parts);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string copy = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
            System.IO.File.Copy(file, copy);
        }
        return to;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
