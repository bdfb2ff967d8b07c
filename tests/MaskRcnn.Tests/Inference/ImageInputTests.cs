using MaskRcnn.Inference;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Inference;

public sealed class ImageInputTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    string Folder(params string[] names)
    {
        string folder = temp.File(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (var name in names) File.WriteAllBytes(Path.Combine(folder, name), []);
        return folder;
    }

    [Fact]
    public void A_folder_gives_its_png_and_jpeg_files_in_name_order()
    {
        string folder = Folder("b.jpg", "a.PNG", "c.jpeg", "notes.txt", "d.gif");
        Directory.CreateDirectory(Path.Combine(folder, "sub.png"));
        var inputs = ImageInput.Resolve(folder);
        Assert.Equal(["a", "b", "c"], inputs.Select(i => i.Stem));
        Assert.Equal([1L, 2, 3], inputs.Select(i => i.ImageId));
        Assert.Equal(Path.Combine(folder, "b.jpg"), inputs[1].Path);
    }

    [Fact]
    public void Numeric_stems_are_the_image_ids()
    {
        var inputs = ImageInput.Resolve(Folder("000000397133.jpg", "42.png"));
        Assert.Equal([397133L, 42], inputs.Select(i => i.ImageId)); // "000000397133" < "42" by name
    }

    [Fact]
    public void One_non_numeric_or_repeated_number_makes_every_id_a_position()
    {
        Assert.Equal([1L, 2, 3], ImageInput.Resolve(Folder("5.png", "7.png", "x.png")).Select(i => i.ImageId));
        Assert.Equal([1L, 2], ImageInput.Resolve(Folder("07.png", "7.jpg")).Select(i => i.ImageId));
    }

    [Fact]
    public void A_single_file_is_its_own_list()
    {
        string folder = Folder("12.png", "photo.jpg");
        Assert.Equal(12, Assert.Single(ImageInput.Resolve(Path.Combine(folder, "12.png"))).ImageId);
        Assert.Equal(1, Assert.Single(ImageInput.Resolve(Path.Combine(folder, "photo.jpg"))).ImageId);
    }

    [Fact]
    public void Bad_paths_are_named()
    {
        string missing = temp.File("nope.png");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ImageInput.Resolve(missing)).Message);
        string empty = Folder("readme.md");
        Assert.Contains(empty, Assert.Throws<InvalidDataException>(() => ImageInput.Resolve(empty)).Message);
        string clash = Folder("a.png", "a.jpg");
        Assert.Contains("'a'", Assert.Throws<InvalidDataException>(() => ImageInput.Resolve(clash)).Message);
    }
}
