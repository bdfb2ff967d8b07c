using BenchmarkDotNet.Attributes;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Evaluation;

namespace MaskRcnn.Benchmarks;

/// <summary>
/// COCO evaluation at val2017 scale: 5,000 images, 80 categories, about 7 objects and exactly 100 detections per
/// image (jittered true objects, duplicates and false positives), polygon ground truth and RLE detection masks.
/// Generated in code with a fixed seed; generation is not timed.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class CocoEvalBenchmarks
{
    const int Images = 5000, DetectionsPerImage = 100, Categories = 80;

    CocoInstances gt = null!;
    IReadOnlyList<CocoResult> results = null!;

    [GlobalSetup]
    public void Setup() => (gt, results) = Generate(seed: 2017);

    [Benchmark]
    public double EvaluateBbox() => CocoEvaluator.Evaluate(gt, results, IouType.Bbox).Stats[0];

    [Benchmark]
    public double EvaluateSegm() => CocoEvaluator.Evaluate(gt, results, IouType.Segm).Stats[0];

    internal static (CocoInstances Gt, IReadOnlyList<CocoResult> Results) Generate(int seed)
    {
        var random = new Random(seed);
        var images = new List<CocoImageInfo>();
        var annotations = new List<CocoAnnotation>();
        var results = new List<CocoResult>();
        var categories = Enumerable.Range(0, Categories).Select(k => new CocoCategory(1 + k + k / 10, $"class{k}")).ToList();
        for (int i = 0; i < Images; i++)
        {
            int h = random.Next(360, 641), w = random.Next(360, 641);
            long imageId = 100_000 + i;
            images.Add(new CocoImageInfo(imageId, $"{imageId}.jpg", w, h));
            int objects = random.Next(1, 15);
            int detections = 0;
            for (int o = 0; o < objects; o++)
            {
                // Log-uniform sizes: COCO's mix of small, medium and large objects.
                double size = Math.Exp(random.NextDouble() * (Math.Log(300) - Math.Log(8)) + Math.Log(8));
                double cx = random.NextDouble() * w, cy = random.NextDouble() * h;
                long category = categories[random.Next(Categories)].Id;
                var polygon = Polygon(random, cx, cy, size / 2, w, h);
                var mask = MaskApi.FromPolygon(polygon, h, w);
                if (MaskApi.Area(mask) == 0)
                    continue;
                annotations.Add(new CocoAnnotation(annotations.Count + 1, imageId, category, MaskApi.ToBbox(mask),
                    MaskApi.Area(mask), random.NextDouble() < 0.01, new PolygonSegmentation([polygon])));
                for (int copy = random.Next(0, 3); copy >= 0 && detections < DetectionsPerImage; copy--, detections++)
                {
                    double jitter = size * 0.1;
                    var dtPolygon = Polygon(random, cx + Normal(random) * jitter, cy + Normal(random) * jitter, size / 2 * (1 + Normal(random) * 0.1), w, h);
                    results.Add(Result(imageId, random.NextDouble() < 0.9 ? category : categories[random.Next(Categories)].Id, dtPolygon, h, w, 0.3 + 0.7 * random.NextDouble()));
                }
            }
            for (; detections < DetectionsPerImage; detections++)
            {
                double size = Math.Exp(random.NextDouble() * (Math.Log(200) - Math.Log(6)) + Math.Log(6));
                var polygon = Polygon(random, random.NextDouble() * w, random.NextDouble() * h, size / 2, w, h);
                results.Add(Result(imageId, categories[random.Next(Categories)].Id, polygon, h, w, 0.6 * random.NextDouble()));
            }
        }
        return (new CocoInstances(images, categories, annotations), results);
    }

    static CocoResult Result(long imageId, long category, double[] polygon, int h, int w, double score)
    {
        var mask = MaskApi.FromPolygon(polygon, h, w);
        var box = MaskApi.ToBbox(mask);
        // Scores on a 0.001 grid, so ties occur as with real float32 outputs.
        return new CocoResult(imageId, category, box, Math.Round(score, 3), mask);
    }

    static double[] Polygon(Random random, double cx, double cy, double radius, int w, int h)
    {
        int k = random.Next(5, 12);
        var angles = Enumerable.Range(0, k).Select(_ => random.NextDouble() * 2 * Math.PI).Order().ToArray();
        var xy = new double[2 * k];
        for (int j = 0; j < k; j++)
        {
            double r = radius * (0.6 + 0.4 * random.NextDouble());
            xy[2 * j] = Math.Clamp(cx + r * Math.Cos(angles[j]), 0, w);
            xy[2 * j + 1] = Math.Clamp(cy + r * Math.Sin(angles[j]), 0, h);
        }
        return xy;
    }

    static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
