using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Inference;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Inference;

public sealed class PredictionShardTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID", "2", null, 2)]
    [InlineData("SLURM_ARRAY_TASK_ID", "3", "1", 2)] // --array=1-4
    [InlineData("JOB_COMPLETION_INDEX", "0", null, 0)]
    public void Auto_takes_the_task_index_from_the_scheduler(string variable, string value, string? min, int expected)
    {
        var env = new Dictionary<string, string?> { [variable] = value, ["SLURM_ARRAY_TASK_MIN"] = min };
        Assert.Equal(new Shard(expected, 4), PredictionShard.Resolve("auto/4", v => env.GetValueOrDefault(v)));
    }

    [Fact]
    public void Auto_outside_the_range_or_without_a_scheduler_is_refused()
    {
        Assert.Contains("gives task 4, outside 0..3",
            Assert.Throws<FormatException>(() => PredictionShard.Resolve("auto/4", v => v == "JOB_COMPLETION_INDEX" ? "4" : null)).Message);
        Assert.Contains("give K/N", Assert.Throws<FormatException>(() => PredictionShard.Resolve("auto/4", _ => null)).Message);
    }

    [Fact]
    public void A_manifest_lists_images_relative_to_itself_sorted_and_the_shards_deal_them_round_robin()
    {
        Directory.CreateDirectory(temp.File("a"));
        foreach (var name in new[] { "a/3.png", "a/1.png", "2.jpg", "a/4.png", "0.png" }) File.WriteAllBytes(temp.File(name), []);
        File.WriteAllLines(temp.File("list.txt"), ["# inputs", "a/3.png", "", "a/1.png", temp.File("2.jpg"), "a/4.png", "0.png"]);
        var all = ImageInput.Resolve(temp.File("list.txt"));
        Assert.Equal(new long[] { 0, 2, 1, 3, 4 }, all.Select(i => i.ImageId)); // sorted by path: 0.png, 2.jpg, a/1, a/3, a/4
        Assert.Equal(new long[] { 0, 3 }, PredictionShard.Select(all, new Shard(0, 3)).Select(i => i.ImageId));
        Assert.Equal(new long[] { 2, 4 }, PredictionShard.Select(all, new Shard(1, 3)).Select(i => i.ImageId));
        Assert.Equal(new long[] { 1 }, PredictionShard.Select(all, new Shard(2, 3)).Select(i => i.ImageId));

        File.AppendAllLines(temp.File("list.txt"), ["missing.png"]);
        Assert.Contains("list.txt:8: no such image file 'missing.png'", Assert.Throws<InvalidDataException>(() => ImageInput.Resolve(temp.File("list.txt"))).Message);
    }

    [Fact]
    public void Merge_refuses_missing_images_and_images_with_two_results_files()
    {
        string predictions = temp.File("p");
        Directory.CreateDirectory(predictions);
        var result = new CocoResult(5, 7, [1, 2, 3, 4], 0.9, null);
        CocoJson.WriteResults(Path.Combine(predictions, "5.json"), [result]);
        var expected = new[] { new ImageInput("5.png", "5", 5), new ImageInput("6.png", "6", 6) };
        Assert.Contains("1 of 2 images have no results yet (first: 6.png)",
            Assert.Throws<InvalidDataException>(() => ResultsMerge.Merge(predictions, expected, temp.File("m.json"))).Message);

        CocoJson.WriteResults(Path.Combine(predictions, "copy.json"), [result]);
        Assert.Contains("image 5 has results in both",
            Assert.Throws<InvalidDataException>(() => ResultsMerge.Merge(predictions, null, temp.File("m.json"))).Message);
    }
}
