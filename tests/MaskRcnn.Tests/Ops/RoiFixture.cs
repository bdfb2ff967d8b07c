using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

/// <summary>Loads the torchvision 0.14 fixtures written by tests/fixtures/ops/gen_roi_fixtures.py.</summary>
internal sealed class RoiFixture
{
    readonly Dictionary<string, Tensor> tensors;

    public RoiFixture(string file)
    {
        tensors = SafeTensors.Load(TestPaths.Fixture("ops", file));
        // Fixtures are static and shared: a test's DisposeScope that happens to be open when they load must not own them.
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
    }

    public Tensor this[string key] => tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException(key);

    public int CaseCount => tensors.Keys.Where(k => k.StartsWith("case")).Select(k => k[..k.IndexOf('.')]).Distinct().Count();

    public double[] Params(int caseIndex) => this[$"case{caseIndex}.params"].to(ScalarType.Float64).data<double>().ToArray();
}
