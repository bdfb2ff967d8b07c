namespace MaskRcnn.Serving;

/// <summary>The page's files (HTML, JS, CSS), embedded in the assembly: nothing to build, nothing on disk.</summary>
static class ServingPage
{
    static readonly string[] Names = ["index.html", "app.js", "app.css"];
    static readonly Dictionary<string, byte[]> Files = Names.ToDictionary(n => n, Read);

    public static bool Exists(string name) => Files.ContainsKey(name);

    public static byte[] File(string name) => Files[name];

    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "text/html; charset=utf-8",
    };

    static byte[] Read(string name)
    {
        using var stream = typeof(ServingPage).Assembly.GetManifestResourceStream("Page/" + name)
            ?? throw new InvalidOperationException($"the page file {name} is not embedded in {typeof(ServingPage).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
