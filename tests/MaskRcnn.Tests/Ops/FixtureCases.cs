using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

/// <summary>Fixture files of numbered cases ("case{i}.*"), as gen_roi_fixtures.py writes them.</summary>
internal static class FixtureCases
{
    /// <summary>The "cases" count the generator records in the file's metadata.</summary>
    public static int Count(string file) => int.Parse(SafeTensors.ReadMetadata(TestPaths.Fixture("ops", file))["cases"]);

    /// <summary>The numeric settings of case <paramref name="i"/> ("case{i}.params").</summary>
    public static double[] Params(OpsFixture fixture, int i)
    {
        using var p = fixture[$"case{i}.params"].to_type(ScalarType.Float64);
        return p.data<double>().ToArray();
    }
}
