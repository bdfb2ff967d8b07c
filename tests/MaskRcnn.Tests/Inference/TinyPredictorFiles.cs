using MaskRcnn.Data.Images;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Tests.Inference;

/// <summary>
/// A small Mask R-CNN with seeded random weights saved as safetensors with its config embedded, the same config
/// as a JSON file, and two small PNG scenes.
/// </summary>
public sealed class TinyPredictorFiles : IDisposable
{
    public const int Width = 128, Height = 96;

    readonly TempDirectory temp = new();

    public static MaskRcnnConfig Config { get; } = new()
    {
        NumClasses = 3,
        // Sparse category ids, as COCO has, so that label and category id differ.
        Classes = [new ClassInfo("disc", 7), new ClassInfo("block", 18)],
        Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16 },
        Transform = new TransformConfig { MinSize = [96], MaxSize = 128 },
        Rpn = new RpnConfig { PreNmsTopNTest = 200, PostNmsTopNTest = 100 },
        RoiHeads = new RoiHeadsConfig { RepresentationSize = 32, MaskLayers = [16, 16], MaskDimReduced = 16, DetectionsPerImage = 20 },
    };

    public string Folder => temp.Path;

    /// <summary>Weights with the config in their metadata (<see cref="ModelWeights.Save"/>).</summary>
    public string WeightsPath { get; }

    public string ConfigPath { get; }

    /// <summary>A folder holding scene_a.png and scene_b.png.</summary>
    public string ImageFolder { get; }

    public string ImageA => Path.Combine(ImageFolder, "scene_a.png");
    public string ImageB => Path.Combine(ImageFolder, "scene_b.png");

    public TinyPredictorFiles()
    {
        WeightsPath = temp.File("tiny.safetensors");
        ConfigPath = temp.File("tiny.json");
        ImageFolder = temp.File("images");
        using (var model = new MaskRcnnModel(Config))
        {
            // From a local generator: the default initialisation draws from torch's global one, which tests running
            // in parallel also consume.
            using var g = new torch.Generator(20261127);
            using (torch.no_grad())
                foreach (var p in model.parameters()) p.copy_(torch.randn(p.shape, generator: g) * 0.05);
            ModelWeights.Save(model, WeightsPath);
        }
        File.WriteAllText(ConfigPath, Config.ToJson());
        Directory.CreateDirectory(ImageFolder);
        ImageIo.SavePng(Scene(seed: 1), ImageA);
        ImageIo.SavePng(Scene(seed: 2), ImageB);
    }

    public MaskRcnnModel LoadModel()
    {
        var model = new MaskRcnnModel(Config);
        ModelWeights.Load(model, WeightsPath);
        return model;
    }

    /// <summary>A gray gradient with a bright disc and a dark block placed by <paramref name="seed"/>.</summary>
    public static RgbImage Scene(int seed)
    {
        var random = new Random(seed);
        int cx = random.Next(30, 60), cy = random.Next(30, 60), bx = random.Next(70, 100), by = random.Next(20, 60);
        var image = new RgbImage(Width, Height);
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int i = 3 * (y * Width + x);
                byte g = (byte)(60 + x + y / 2);
                (byte r, byte gr, byte b) = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 300 ? ((byte)230, (byte)200, (byte)40)
                    : x >= bx && x < bx + 20 && y >= by && y < by + 25 ? ((byte)20, (byte)30, (byte)120)
                    : (g, g, g);
                (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]) = (r, gr, b);
            }
        return image;
    }

    public void Dispose() => temp.Dispose();
}
