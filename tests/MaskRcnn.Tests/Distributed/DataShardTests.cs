using MaskRcnn.Data;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Distributed;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Distributed;

public sealed class DataShardTests : IDisposable
{
    readonly TempDirectory temp = new();
    readonly CocoDataset dataset;

    public DataShardTests()
    {
        ShapesDataset.Generate(temp.Path, count: 12, seed: 2, imageSize: 32);
        dataset = CocoDataset.Open(temp.File("annotations.json"), temp.File("images"));
    }

    public void Dispose() => temp.Dispose();

    DataLoader Loader(int perShard, Shard shard, bool grouped) =>
        new(dataset, perShard, shuffle: true, seed: 9, transform: null, workers: 0, groupByAspectRatio: grouped, shard: shard);

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(2, 3)]
    public void The_shards_of_an_epoch_are_disjoint_and_cover_the_data(int ranks, int perRank)
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var shards = Enumerable.Range(0, ranks).Select(r => Loader(perRank, new Shard(r, ranks), grouped: false).BatchIndices(epoch)).ToList();
            var all = shards.SelectMany(batches => batches.SelectMany(b => b)).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            // 12 images in global batches of ranks × perRank; only the last partial global batch is dropped.
            int covered = 12 / (ranks * perRank) * ranks * perRank;
            Assert.Equal(covered, all.Count);
            Assert.All(shards, s => Assert.Equal(12 / (ranks * perRank), s.Count));
        }
    }

    [Fact]
    public void Together_the_shards_form_the_batches_of_one_loader_with_the_global_batch()
    {
        // Grouped batching included: global batch b is rank 0's batch b, then rank 1's, in position order.
        foreach (bool grouped in new[] { false, true })
        {
            var single = Loader(4, Shard.Whole, grouped).BatchIndices(1);
            var r0 = Loader(2, new Shard(0, 2), grouped).BatchIndices(1);
            var r1 = Loader(2, new Shard(1, 2), grouped).BatchIndices(1);
            Assert.Equal(single.Count, r0.Count);
            for (int b = 0; b < single.Count; b++) Assert.Equal(single[b], r0[b].Concat(r1[b]));
        }
    }

    [Fact]
    public void A_loader_needs_one_global_batch_of_images()
    {
        var e = Assert.Throws<ArgumentException>(() => Loader(4, new Shard(0, 4), grouped: false));
        Assert.Contains("fewer than one batch of 16", e.Message);
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void Shards_parse_as_k_of_n(string text, int k, int n) => Assert.Equal(new Shard(k, n), Shard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("-1/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("0/0")]
    public void Malformed_shards_are_refused(string text) => Assert.Contains(text, Assert.Throws<FormatException>(() => Shard.Parse(text)).Message);

    [Fact]
    public void Round_robin_ownership_gives_every_item_to_exactly_one_shard()
    {
        var owners = Enumerable.Range(0, 30).Select(i => Enumerable.Range(0, 3).Single(k => new Shard(k, 3).Owns(i))).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i % 3), owners);
    }

    [Fact]
    public void Several_processes_refuse_trainable_batch_norm_and_accept_frozen()
    {
        var bn = new MaskRcnnConfig { Backbone = new BackboneConfig { Norm = NormKind.BatchNorm, TrainableLayers = 5 } };
        var e = Assert.Throws<NotSupportedException>(() => DistributedTraining.RequireSynchronisableNorm(bn, 2));
        Assert.Contains("FrozenBatchNorm", e.Message);
        DistributedTraining.RequireSynchronisableNorm(bn, 1);
        DistributedTraining.RequireSynchronisableNorm(new MaskRcnnConfig(), 2);
    }

    [Theory]
    [InlineData("OMPI_COMM_WORLD_SIZE")]
    [InlineData("PMIX_RANK")]
    [InlineData("PMI_RANK")]
    public void An_mpi_launch_is_recognised_from_the_launchers_variables(string variable)
    {
        Assert.Equal(variable, MpiLaunch.DetectedBy(v => v == variable ? "0" : null));
        Assert.Null(MpiLaunch.DetectedBy(v => v == "SLURM_PROCID" ? "0" : null));
    }
}
