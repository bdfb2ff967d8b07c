using MaskRcnn.Data;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

public sealed class DataLoaderBatchSourceTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    DataLoader Loader(int seed)
    {
        if (!File.Exists(temp.File("annotations.json"))) ShapesDataset.Generate(temp.Path, count: 7, seed: 11, imageSize: 64);
        var dataset = CocoDataset.Open(temp.File("annotations.json"), temp.File("images"));
        return new DataLoader(dataset, batchSize: 2, shuffle: true, seed: seed, transform: null, workers: 0, groupByAspectRatio: false);
    }

    static float[] Take(IBatchSource source)
    {
        var (images, targets) = source.Next();
        var pixels = images.SelectMany(i => i.data<float>().ToArray()).ToArray();
        foreach (var i in images) i.Dispose();
        foreach (var t in targets) t.Dispose();
        return pixels;
    }

    [Fact]
    public void CrossesEpochsAndReplaysFromAnyPosition()
    {
        using var straight = new DataLoaderBatchSource(Loader(seed: 3));
        var positions = new List<DataPosition>();
        var batches = new List<float[]>();
        for (int i = 0; i < 5; i++)
        {
            positions.Add(straight.Position);
            batches.Add(Take(straight));
        }
        // 7 images in batches of 2 without the partial batch: 3 per epoch.
        Assert.Equal([new(3, 0, 0), new(3, 0, 1), new(3, 0, 2), new(3, 1, 0), new(3, 1, 1)], positions);
        Assert.NotEqual(batches[0], batches[3]); // the second epoch is shuffled differently

        using var resumed = new DataLoaderBatchSource(Loader(seed: 3));
        resumed.Seek(positions[2]);
        for (int i = 2; i < 5; i++) Assert.Equal(batches[i], Take(resumed));
    }

    [Fact]
    public void SeekingWithAnotherSeedIsRefused()
    {
        using var source = new DataLoaderBatchSource(Loader(seed: 3));
        var e = Assert.Throws<ArgumentException>(() => source.Seek(new DataPosition(4, 0, 0)));
        Assert.Contains("--seed", e.Message);
    }
}
