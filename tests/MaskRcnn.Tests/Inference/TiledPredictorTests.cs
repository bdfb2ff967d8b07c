using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Inference;

namespace MaskRcnn.Tests.Inference;

public sealed class TiledPredictorTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    /// <summary>
    /// A deterministic detector for the tests' oracle: every 4-connected component of one exact non-black colour is
    /// an object; its class is the colour's strongest channel (R 1, G 2, B 3), its score that channel's value / 255,
    /// its box and mask the component's pixels. What it reports for an object depends only on the object's pixels,
    /// so tiling changes its output only where a tile cuts an object.
    /// </summary>
    static IReadOnlyList<InstancePrediction> Blobs(RgbImage image)
    {
        int w = image.Width, h = image.Height;
        var seen = new bool[w * h];
        var found = new List<(InstancePrediction Prediction, int First)>();
        var stack = new Stack<int>();
        for (int start = 0; start < w * h; start++)
        {
            var colour = Colour(image, start);
            if (seen[start] || colour == (0, 0, 0)) continue;
            var mask = new byte[w * h];
            int x1 = w, y1 = h, x2 = 0, y2 = 0;
            stack.Push(start);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p % w, y = p / w;
                mask[p] = 1;
                (x1, y1, x2, y2) = (Math.Min(x1, x), Math.Min(y1, y), Math.Max(x2, x + 1), Math.Max(y2, y + 1));
                foreach (int q in new[] { x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1 })
                    if (q >= 0 && !seen[q] && Colour(image, q) == colour)
                    {
                        seen[q] = true;
                        stack.Push(q);
                    }
            }
            var (r, g, b) = colour;
            int label = r >= g && r >= b ? 1 : g >= b ? 2 : 3;
            float score = Math.Max(r, Math.Max(g, b)) / 255f;
            found.Add((new InstancePrediction(label, $"c{label}", label, score, [x1, y1, x2, y2], CroppedMask.FromFullFrame(mask, h, w)), start));
        }
        return found.OrderByDescending(f => f.Prediction.Score).ThenBy(f => f.First).Select(f => f.Prediction).ToArray();
    }

    static (byte, byte, byte) Colour(RgbImage image, int p) => (image.Pixels[3 * p], image.Pixels[3 * p + 1], image.Pixels[3 * p + 2]);

    sealed record Blob(int X1, int Y1, int X2, int Y2, bool Disc, (byte, byte, byte) Colour);

    static RgbImage Draw(int w, int h, IEnumerable<Blob> blobs)
    {
        var image = new RgbImage(w, h);
        foreach (var b in blobs)
            for (int y = b.Y1; y < b.Y2; y++)
                for (int x = b.X1; x < b.X2; x++)
                {
                    double dx = (x + 0.5 - (b.X1 + b.X2) / 2.0) / ((b.X2 - b.X1) / 2.0), dy = (y + 0.5 - (b.Y1 + b.Y2) / 2.0) / ((b.Y2 - b.Y1) / 2.0);
                    if (b.Disc && dx * dx + dy * dy > 1) continue;
                    (image.Pixels[3 * (y * w + x)], image.Pixels[3 * (y * w + x) + 1], image.Pixels[3 * (y * w + x) + 2]) = b.Colour;
                }
        return image;
    }

    /// <summary>Random blobs (up to 26 px across, distinct colours, 3 px apart) whose boxes satisfy <paramref name="accept"/>.</summary>
    static List<Blob> Place(int w, int h, int seed, int count, Func<int, int, int, int, bool> accept)
    {
        var random = new Random(seed);
        var blobs = new List<Blob>();
        for (int attempt = 0; attempt < 20000 && blobs.Count < count; attempt++)
        {
            int bw = random.Next(6, 27), bh = random.Next(6, 27), x = random.Next(0, w - bw + 1), y = random.Next(0, h - bh + 1);
            if (!accept(x, y, x + bw, y + bh)) continue;
            if (blobs.Any(b => x < b.X2 + 3 && b.X1 < x + bw + 3 && y < b.Y2 + 3 && b.Y1 < y + bh + 3)) continue;
            int channel = blobs.Count % 3, value = 120 + blobs.Count * 3;
            var colour = channel == 0 ? ((byte)value, (byte)0, (byte)0) : channel == 1 ? ((byte)0, (byte)value, (byte)0) : ((byte)0, (byte)0, (byte)value);
            blobs.Add(new Blob(x, y, x + bw, y + bh, random.Next(2) == 0, colour));
        }
        Assert.Equal(count, blobs.Count);
        return blobs;
    }

    const int W = 320, H = 250, Size = 128, Overlap = 40;
    static readonly TilingOptions Tiling = new() { TileSize = Size, Overlap = Overlap };

    /// <summary>Every tile edge line (both sides of every tile) along one axis.</summary>
    static int[] EdgeLines(int length) =>
        TileWindow.Cover(length, 1, Size, Overlap).SelectMany(t => new[] { t.X, t.Right }).Distinct().Order().ToArray();

    static bool Crosses(int lo, int hi, int[] lines, int slack) => lines.Any(l => lo - slack < l && l < hi + slack);

    /// <summary>The detections as comparable keys: class, score, box and the mask's RLE.</summary>
    static string[] Keys(IEnumerable<InstancePrediction> detections) =>
        detections.Select(d => $"{d.Label} {d.Score:R} [{string.Join(",", d.BoxXyxy)}] {MaskApi.ToCompressedString(d.Rle)}").Order().ToArray();

    [Fact]
    public void TilesCoverTheImage_WithTheLastOneFlushWithTheBorder()
    {
        // Starts 0, 88, 176 (stride 128 - 40) and 320 - 128 = 192; a 100-px side is one tile.
        var tiles = TileWindow.Cover(W, 100, Size, Overlap);
        Assert.Equal([0, 88, 176, 192], tiles.Select(t => t.X));
        Assert.All(tiles, t => Assert.Equal((128, 100, 0), (t.Width, t.Height, t.Y)));
        Assert.Single(TileWindow.Cover(90, 60, Size, Overlap));
        Assert.Throws<ArgumentException>(() => TileWindow.Cover(W, H, Size, Size));
    }

    [Fact]
    public void WhereNoObjectStraddlesATileEdge_TheTiledResultEqualsTheUntiledOne()
    {
        int[] xs = EdgeLines(W), ys = EdgeLines(H);
        var blobs = Place(W, H, seed: 3, count: 14, (x1, y1, x2, y2) => !Crosses(x1, x2, xs, 3) && !Crosses(y1, y2, ys, 3));
        var image = Draw(W, H, blobs);
        var untiled = Blobs(image);
        Assert.Equal(blobs.Count, untiled.Count);

        var tiled = new TiledPredictor(Blobs, Tiling).Predict(image);

        Assert.Equal(Keys(untiled), Keys(tiled));
        Assert.True(tiled.Zip(tiled.Skip(1)).All(p => p.First.Score >= p.Second.Score), "not sorted by score");
    }

    [Fact]
    public void ObjectsStraddlingTileEdges_AreReportedOnceAndWhole()
    {
        int[] xs = EdgeLines(W), ys = EdgeLines(H);
        // Every blob crosses at least one inner tile edge (blobs are smaller than the overlap minus the margins).
        var blobs = Place(W, H, seed: 5, count: 16, (x1, y1, x2, y2) =>
            (Crosses(x1, x2, xs[1..^1], -2) || Crosses(y1, y2, ys[1..^1], -2)) && x2 - x1 < Overlap - 4 && y2 - y1 < Overlap - 4);
        var image = Draw(W, H, blobs);
        var tiler = new TiledPredictor(Blobs, Tiling);

        var pieces = tiler.PredictTiles(image);
        Assert.True(pieces.Count > 2 * blobs.Count, $"{pieces.Count} tile detections: the tiles should have seen the blobs several times, cut and whole");
        var tiled = tiler.Predict(image);

        Assert.Equal(Keys(Blobs(image)), Keys(tiled));
    }

    [Fact]
    public void AnObjectLargerThanTheOverlap_IsJoinedFromItsPieces()
    {
        // 100 px wide across the tiles at x 0..128 and 88..216: no tile holds it whole.
        var blobs = new[] { new Blob(60, 50, 160, 80, false, ((byte)200, (byte)0, (byte)0)), new Blob(20, 150, 50, 170, true, ((byte)0, (byte)180, (byte)0)) };
        var image = Draw(W, H, blobs);
        var tiler = new TiledPredictor(Blobs, Tiling);
        Assert.DoesNotContain(tiler.PredictTiles(image), d => d.ImageBox.SequenceEqual([60f, 50, 160, 80]));

        Assert.Equal(Keys(Blobs(image)), Keys(tiler.Predict(image)));
    }

    [Fact]
    public void TileDetections_AreInTilePixels_UntilMappedToTheImage()
    {
        var image = Draw(W, H, [new Blob(200, 140, 220, 160, false, ((byte)0, (byte)0, (byte)150))]);
        var tileDetection = new TiledPredictor(Blobs, Tiling).PredictTiles(image).First(d => d.Tile.X == 176 && d.Tile.Y > 0);
        Assert.Equal(200 - 176, tileDetection.InTile.BoxXyxy[0]);
        Assert.Equal(Size * Size, tileDetection.InTile.Mask.Length);
        var mapped = tileDetection.ToImage(W, H);
        Assert.Equal([200f, 140, 220, 160], mapped.BoxXyxy);
        Assert.Equal(W * H, mapped.Mask.Length);
        Assert.Equal(Keys(Blobs(image)), Keys([mapped]));
    }

    [Fact]
    public void TheRealModel_ThroughTiles_GivesImageFrameDetections()
    {
        // A 256x192 mosaic of four tiny-model scenes.
        var scenes = new[] { TinyPredictorFiles.Scene(1), TinyPredictorFiles.Scene(2), TinyPredictorFiles.Scene(3), TinyPredictorFiles.Scene(4) };
        int w = 2 * TinyPredictorFiles.Width, h = 2 * TinyPredictorFiles.Height;
        var mosaic = new RgbImage(w, h);
        for (int s = 0; s < 4; s++)
            for (int y = 0; y < TinyPredictorFiles.Height; y++)
                Array.Copy(scenes[s].Pixels, y * TinyPredictorFiles.Width * 3, mosaic.Pixels,
                    ((s / 2 * TinyPredictorFiles.Height + y) * w + s % 2 * TinyPredictorFiles.Width) * 3, TinyPredictorFiles.Width * 3);
        using var model = files.LoadModel();
        using var predictor = new Predictor(model, new PredictorOptions { ScoreThreshold = 0 });

        var tiled = new TiledPredictor(predictor, new TilingOptions { TileSize = 128, Overlap = 32 }).Predict(mosaic);
        Assert.NotEmpty(tiled);
        foreach (var d in tiled)
        {
            Assert.Equal(w * h, d.Mask.Length);
            Assert.Equal(d.Mask, MaskApi.Decode(d.Rle));
            Assert.InRange(d.BoxXyxy[0], 0, w);
            Assert.InRange(d.BoxXyxy[2], d.BoxXyxy[0], w);
            Assert.InRange(d.BoxXyxy[3], d.BoxXyxy[1], h);
        }
        Assert.True(tiled.Zip(tiled.Skip(1)).All(p => p.First.Score >= p.Second.Score));

        // One tile covering the whole image is the untiled prediction itself.
        var single = new TiledPredictor(predictor, new TilingOptions { TileSize = 300, Overlap = 0 }).Predict(mosaic);
        var direct = predictor.Predict(mosaic);
        Assert.Equal(direct.Count, single.Count);
        for (int i = 0; i < direct.Count; i++)
        {
            Assert.Equal(direct[i].Score, single[i].Score);
            Assert.Equal(direct[i].BoxXyxy, single[i].BoxXyxy);
            Assert.Equal(direct[i].Mask, single[i].Mask);
        }
    }
}
