using MaskRcnn.Cli;
using MaskRcnn.Data.Coco;
using MaskRcnn.Tests.Data.Import;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Cli;

public class ConvertCommandTests
{
    static void MaskFolders(TempDirectory dir)
    {
        ImportFiles.Picture(dir.File("in", "a", "images", "a.png"), 10, 8);
        ImportFiles.Mask(dir.File("in", "a", "masks", "1.png"), 10, 8, (x, y) => x < 3 && y < 2);
        ImportFiles.Mask(dir.File("in", "a", "masks", "2.png"), 10, 8, (x, y) => x > 6);
        ImportFiles.Picture(dir.File("in", "b", "images", "b.png"), 6, 5);
        ImportFiles.Mask(dir.File("in", "b", "masks", "1.png"), 6, 5, (x, y) => x == y);
    }

    [Fact]
    public void MaskFoldersBecomeValidCocoWithTheirPicturesCopiedBesideIt()
    {
        using var dir = new TempDirectory();
        MaskFolders(dir);
        string output = dir.File("out", "train.json");
        var (code, stdout, err) = CliRunner.Run("convert", "--input", dir.File("in"), "--output", output);
        Assert.True(code == 0, err);
        Assert.StartsWith("format: masks (2 of 2 subfolders", err);
        Assert.Contains("2 images, 3 instances, 1 class; 0 items skipped", stdout);
        Assert.Contains($"images copied to {dir.File("out", "train_images")}", stdout);

        var coco = CocoJson.ReadInstances(output);
        Assert.Equal(["a.png", "b.png"], coco.Images.Select(i => i.FileName));
        Assert.Equal([6.0, 24, 5], coco.Annotations.Select(a => a.Area));
        Assert.Equal(new double[] { 0, 0, 3, 2 }, coco.Annotations[0].Bbox);
        Assert.Equal(File.ReadAllBytes(dir.File("in", "a", "images", "a.png")), File.ReadAllBytes(dir.File("out", "train_images", "a.png")));

        // A second run refuses to overwrite, and leaves the first run's output as it was; --force replaces it.
        byte[] first = File.ReadAllBytes(output);
        var again = CliRunner.Run("convert", "--input", dir.File("in"), "--output", output);
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains($"maskrcnn: error: {output} already exists (and 2 more outputs); use --force", again.Err);
        Assert.Equal(first, File.ReadAllBytes(output));
        Assert.Equal(0, CliRunner.Run("convert", "--input", dir.File("in"), "--output", output, "--force").ExitCode);
    }

    [Fact]
    public void ViaProjectRefersToThePicturesWhereTheyAre()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("pictures", "p1.png"), 20, 16);
        var via = ImportFiles.Text(dir.File("via_region_data.json"), """
            {"p1.png1": {"filename": "p1.png", "size": 1, "regions": [
              {"shape_attributes": {"name": "rect", "x": 1, "y": 1, "width": 4, "height": 3}, "region_attributes": {"type": "round"}}]}}
            """);
        string output = dir.File("train.json");
        var (code, stdout, err) = CliRunner.Run("convert", "--from", "via", "--input", via, "--images", dir.File("pictures"), "--output", output);
        Assert.True(code == 0, err);
        Assert.Contains($"images stay in {dir.File("pictures")}", stdout);
        var coco = CocoJson.ReadInstances(output);
        Assert.Equal("p1.png", Assert.Single(coco.Images).FileName);
        Assert.Equal("round", Assert.Single(coco.Categories).Name);
        Assert.Equal(12, Assert.Single(coco.Annotations).Area);
        Assert.False(Directory.Exists(dir.File("train_images")));
    }

    [Fact]
    public void BadInputIsOneLineAndWritesNothing()
    {
        using var dir = new TempDirectory();
        ImportFiles.Picture(dir.File("p1.png"), 20, 16);
        var via = ImportFiles.Text(dir.File("via.json"), """
            {"p1.png1": {"filename": "p1.png", "size": 1, "regions": [{"shape_attributes": {"name": "point", "cx": 1, "cy": 1}, "region_attributes": {}}]}}
            """);
        var (code, stdout, err) = CliRunner.Run("convert", "--input", via, "--output", dir.File("out.json"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal($"maskrcnn: error: {via}: region 0 of 'p1.png' has region type 'point', which is not supported (supported: polygon, polyline, rect, circle, ellipse)",
            CliRunner.Lines(err).Last().TrimEnd());
        Assert.False(File.Exists(dir.File("out.json")));
        Assert.Equal(ExitCodes.Usage, CliRunner.Run("convert", "--from", "yolo", "--input", via, "--output", dir.File("out.json")).ExitCode);
    }

    [Fact]
    public void HelpSaysWhereThePicturesGo()
    {
        var (code, stdout, _) = CliRunner.Run("convert", "--help");
        Assert.Equal(0, code);
        Assert.Contains("copied into <output stem>_images/", stdout);
        Assert.Contains("--keep-empty-images", stdout);
    }
}
