using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

public sealed class DataLoaderTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    CocoDataset Shapes(int count)
    {
        ShapesDataset.Generate(_dir.Path, count, seed: 17, imageSize: 64);
        return CocoDataset.Open(_dir.File("annotations.json"), _dir.File("images"));
    }

    /// <summary>Images of the given (width, height), each with one box annotation.</summary>
    CocoDataset Sized(params (int W, int H)[] sizes)
    {
        var images = new List<CocoImageInfo>();
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < sizes.Length; i++)
        {
            var (w, h) = sizes[i];
            string name = $"{i}.png";
            ImageIo.SavePng(new RgbImage(w, h), _dir.File(name));
            images.Add(new CocoImageInfo(i + 1, name, w, h));
            annotations.Add(new CocoAnnotation(i + 1, i + 1, 1, [1, 1, 4, 4], 16, false,
                new PolygonSegmentation([[1, 1, 5, 1, 5, 5, 1, 5]])));
        }
        return new CocoDataset(new CocoInstances(images, [new CocoCategory(1, "box")], annotations), _dir.Path);
    }

    static List<(long[] Ids, float[][] Images, float[][] Boxes, byte[][] Masks)> Snapshot(IEnumerable<TrainingBatch> batches)
    {
        var result = new List<(long[], float[][], float[][], byte[][])>();
        foreach (var batch in batches)
            using (batch)
                result.Add((batch.ImageIds.ToArray(),
                    batch.Images.Select(t => t.data<float>().ToArray()).ToArray(),
                    batch.Targets.Select(t => t.Boxes.data<float>().ToArray()).ToArray(),
                    batch.Targets.Select(t => t.Masks.data<byte>().ToArray()).ToArray()));
        return result;
    }

    [Fact]
    public void BatchesDoNotDependOnWorkersOrTiming()
    {
        var ds = Shapes(8);
        var transform = new Compose(new RandomHorizontalFlip(0.5), new ResizeShortSide([48, 64, 80], 1000));
        var inline = new DataLoader(ds, 2, shuffle: true, seed: 3, transform, workers: 0);
        var threaded = new DataLoader(ds, 2, shuffle: true, seed: 3, transform, workers: 2, prefetch: 1);
        var wide = new DataLoader(ds, 2, shuffle: true, seed: 3, transform, workers: 3, prefetch: 4);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var expected = Snapshot(inline.Epoch(epoch));
            Assert.Equal(4, expected.Count);
            foreach (var loader in new[] { threaded, wide })
            {
                var actual = Snapshot(loader.Epoch(epoch));
                Assert.Equal(expected.Count, actual.Count);
                for (int b = 0; b < expected.Count; b++)
                {
                    Assert.Equal(expected[b].Ids, actual[b].Ids);
                    Assert.Equal(expected[b].Images, actual[b].Images);
                    Assert.Equal(expected[b].Boxes, actual[b].Boxes);
                    Assert.Equal(expected[b].Masks, actual[b].Masks);
                }
            }
        }
        // The transform did vary: not every image kept the 64-px size.
        Assert.Contains(Snapshot(inline.Epoch(0)).SelectMany(b => b.Images), image => image.Length != 3 * 64 * 64);
    }

    [Fact]
    public void ShuffleFollowsSeedAndEpoch()
    {
        var ds = Shapes(8);
        long[] Order(DataLoader loader, int epoch) => Snapshot(loader.Epoch(epoch)).SelectMany(b => b.Ids).ToArray();
        var a = new DataLoader(ds, 4, shuffle: true, seed: 1, null, workers: 2);
        var b = new DataLoader(ds, 4, shuffle: true, seed: 2, null, workers: 2);
        var plain = new DataLoader(ds, 4, shuffle: false, seed: 1, null, workers: 2);
        // All square images share a group, so every epoch visits each image once.
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), Order(a, 0).Order());
        Assert.Equal(Order(a, 0), Order(a, 0));
        Assert.NotEqual(Order(a, 0), Order(a, 1));
        Assert.NotEqual(Order(a, 0), Order(b, 0));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), Order(plain, 0));
    }

    [Fact]
    public void BatchesShareAnAspectRatioGroup()
    {
        var sizes = new[] { (48, 32), (32, 48), (32, 32), (40, 24), (24, 40), (48, 32), (32, 48), (40, 24), (30, 30), (24, 40) };
        var ds = Sized(sizes);
        var grouped = new DataLoader(ds, 2, shuffle: true, seed: 5, null, workers: 2);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = Snapshot(grouped.Epoch(epoch));
            Assert.Equal(5, batches.Count);
            foreach (var batch in batches)
            {
                // torchvision's bins: landscape (w > h) apart from portrait-or-square (w ≤ h).
                var landscape = batch.Ids.Select(id => sizes[id - 1].Item1 > sizes[id - 1].Item2).Distinct();
                Assert.Single(landscape);
            }
        }

        // Without grouping the batches follow the shuffled order and do mix shapes.
        var mixed = new DataLoader(ds, 2, shuffle: true, seed: 5, null, workers: 2, groupByAspectRatio: false);
        Assert.Contains(Enumerable.Range(0, 5).SelectMany(e => Snapshot(mixed.Epoch(e))),
            b => b.Ids.Select(id => sizes[id - 1].Item1 > sizes[id - 1].Item2).Distinct().Count() == 2);
    }

    // Hand-traced runs of torchvision's GroupedBatchSampler.__iter__.
    [Fact]
    public void GroupedBatchSamplerCompletesLikeTorchvision()
    {
        // Both groups end with 3 of 4; the tie goes to the group first seen; it is completed with its first sample.
        Assert.Equal(new[] { new[] { 0, 1, 2, 0 } },
            GroupedBatchSampler.Batches([0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 1, 1], 4));
        // Group 0 fills a batch; then the larger leftover (group 1: [3, 4]) is completed with sample 3.
        Assert.Equal(new[] { new[] { 0, 1, 2 }, new[] { 3, 4, 3 } },
            GroupedBatchSampler.Batches([0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 1, 0], 3));
        // Group 0 fills first and its emptied buffer is re-inserted after group 1's (torchvision's del, then the
        // assert's defaultdict access); the leftovers tie at 2, so group 1 — now first in dict order — is
        // completed, with its first sample 5. Ignoring the re-insertion would give [2, 0, 6] instead.
        Assert.Equal(new[] { new[] { 6, 4, 3 }, new[] { 5, 1, 5 } },
            GroupedBatchSampler.Batches([6, 5, 4, 3, 2, 1, 0], [0, 1, 0, 0, 0, 1, 0], 3));
    }

    [Fact]
    public void DisposingABatchFreesItsTensors()
    {
        var ds = Shapes(4);
        var loader = new DataLoader(ds, 2, shuffle: false, seed: 0, null, workers: 1);
        var batch = loader.Epoch(0).First(); // abandoning the enumeration stops the worker
        Assert.False(batch.Images[0].IsInvalid);
        batch.Dispose();
        Assert.All(batch.Images, t => Assert.True(t.IsInvalid));
        Assert.All(batch.Targets, t => Assert.True(t.Masks.IsInvalid && t.Boxes.IsInvalid && t.Labels.IsInvalid));
    }

    [Fact]
    public void InfiniteRunsThroughEpochsAndWorkerErrorsReachTheConsumer()
    {
        var ds = Shapes(4);
        var loader = new DataLoader(ds, 2, shuffle: true, seed: 9, null, workers: 2);
        var five = Snapshot(loader.Infinite().Take(5));
        Assert.Equal(5, five.Count);
        Assert.Equal(Snapshot(loader.Epoch(2)).First().Ids, five[4].Ids);

        File.Delete(_dir.File("images", ds.ImageInfo(3).FileName));
        var e = Assert.Throws<FileNotFoundException>(() => Snapshot(new DataLoader(ds, 2, false, 0, null, workers: 2).Epoch(0)));
        Assert.Contains(ds.ImageInfo(3).FileName, e.Message);
    }
}
