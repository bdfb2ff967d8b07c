namespace MaskRcnn.Tests.Support;

/// <summary>Locates the repository's committed fixtures (a clone needs nothing beside it).</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>tests/fixtures</c>: committed fixtures and the scripts that generate them.</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);

    static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MaskRcnn.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MaskRcnn.slnx not found above " + AppContext.BaseDirectory);
    }
}
