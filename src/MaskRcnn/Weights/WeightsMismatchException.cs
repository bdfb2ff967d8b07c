namespace MaskRcnn.Weights;

/// <summary>A weights file does not fit the model: lists every missing, unexpected and wrong-shaped key.</summary>
public sealed class WeightsMismatchException : Exception
{
    public string FileName { get; }
    public IReadOnlyList<string> Missing { get; }
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present on both sides with different shapes, as "key: file [..] vs model [..]".</summary>
    public IReadOnlyList<string> WrongShape { get; }

    public WeightsMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> wrongShape)
        : base(Describe(source, missing, unexpected, wrongShape))
    {
        FileName = source;
        Missing = missing;
        Unexpected = unexpected;
        WrongShape = wrongShape;
    }

    static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> wrongShape)
    {
        const int Shown = 20;
        static string List(string title, IReadOnlyList<string> keys) => keys.Count == 0 ? "" :
            $"\n  {title} ({keys.Count}): " + string.Join(", ", keys.Take(Shown)) + (keys.Count > Shown ? ", ..." : "");
        return $"{source}: the weights do not match the model" +
               List("missing", missing) + List("unexpected", unexpected) + List("wrong shape", wrongShape);
    }
}
