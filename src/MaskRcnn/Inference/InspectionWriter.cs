using System.Globalization;
using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Visualization;

namespace MaskRcnn.Inference;

/// <summary>
/// Writes an <see cref="InspectionResult"/> into <see cref="OutputDirectory"/>: <c>anchors.png</c>,
/// <c>proposals_pre_nms.png</c>, <c>proposals_post_nms.png</c>, <c>detections.png</c>, <c>masks.png</c> and
/// <c>inspect.json</c> (the counts and the file list).
/// </summary>
public sealed record InspectionWriter(string OutputDirectory)
{
    public const string AnchorsFile = "anchors.png", ProposalsPreNmsFile = "proposals_pre_nms.png",
        ProposalsPostNmsFile = "proposals_post_nms.png", DetectionsFile = "detections.png", MasksFile = "masks.png",
        SummaryFile = "inspect.json";

    static readonly string[] Pictures = [AnchorsFile, ProposalsPreNmsFile, ProposalsPostNmsFile, DetectionsFile, MasksFile];

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public InspectionRenderer Renderer { get; init; } = new();

    /// <summary>Every file <see cref="Write"/> writes, pictures first, the summary last.</summary>
    public IReadOnlyList<string> Paths => [.. Pictures.Append(SummaryFile).Select(f => Path.Combine(OutputDirectory, f))];

    /// <summary>The output files that already exist (to refuse a run that would overwrite them).</summary>
    public IReadOnlyList<string> ExistingOutputs() => Paths.Where(File.Exists).ToList();

    /// <summary>Writes the pictures and the summary; returns the paths written.</summary>
    public IReadOnlyList<string> Write(RgbImage image, InspectionResult r)
    {
        Directory.CreateDirectory(OutputDirectory);
        var inv = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("0.##", inv);

        // Pictures clip to the image, so say which anchors are partly hidden (large anchors on small images).
        string Outside(AnchorLevel a) => a.Boxes.Count(b => b[0] < 0 || b[1] < 0 || b[2] > r.Width || b[3] > r.Height) is int n and > 0
            ? $" ({n} cross the image border)" : "";
        var levels = r.Anchors.Select(a => new BoxGroup(
            $"level {a.Level}: sizes {string.Join("/", a.Sizes.Select(F))}, ratios {string.Join("/", a.AspectRatios.Select(F))}, stride {a.StrideX}{Outside(a)}",
            a.Boxes.Select(ToBox).ToList(), a.CentreXy[0], a.CentreXy[1])).ToList();
        int perLocation = r.Anchors.Sum(a => a.Boxes.Length);
        Save(Renderer.RenderAnchors(image, levels, r.LocationXy[0], r.LocationXy[1],
            $"Anchors at ({F(r.LocationXy[0])}, {F(r.LocationXy[1])}): {perLocation} in {r.Anchors.Count} level(s), each on its level's nearest grid point"), AnchorsFile);
        Save(Renderer.RenderScoredBoxes(image, Scored(r.TopProposalsBeforeNms),
            $"RPN proposals before NMS: top {r.TopProposalsBeforeNms.Count} of {r.ProposalsBeforeNms.ToString("N0", inv)} by objectness"), ProposalsPreNmsFile);
        Save(Renderer.RenderScoredBoxes(image, Scored(r.TopProposalsAfterNms),
            $"RPN proposals after NMS: top {r.TopProposalsAfterNms.Count} of {r.ProposalsAfterNms.ToString("N0", inv)} by objectness"), ProposalsPostNmsFile);
        var overlays = r.Detections.ToOverlays();
        Save(new OverlayRenderer().Render(image, overlays, Math.Max(1.0, (double)Renderer.DisplaySize / Math.Max(image.Width, image.Height))), DetectionsFile);
        var panels = r.MaskProbabilities.Select((m, i) => new MaskPanel(
            $"#{i + 1} {r.Detections[i].ClassName} {r.Detections[i].Score.ToString("0.00", inv)}", r.MaskSize, m, ToBox(r.Detections[i].BoxXyxy), r.Detections[i].Mask)).ToList();
        Save(Renderer.RenderMasks(image.Width, image.Height, panels,
            $"Mask head: raw {r.MaskSize}×{r.MaskSize} probabilities | pasted mask > 0.5 ({panels.Count} of {r.Detections.Count} detections)"), MasksFile);

        var summary = new InspectionSummary(
            [r.Width, r.Height], [r.ResizedWidth, r.ResizedHeight], r.LocationXy,
            r.Anchors.Select(a => a.Boxes.Length).ToArray(), perLocation,
            r.Anchors.Select(a => new AnchorLevelSummary(a.Level, a.Sizes, a.AspectRatios, [a.StrideX, a.StrideY], a.CentreXy)).ToList(),
            r.ProposalsBeforeNms, r.ProposalsAfterNms, r.TopProposalsBeforeNms.Count, r.TopProposalsAfterNms.Count,
            r.DetectionCount, r.Detections.Count, r.MaskSize, r.MaskProbabilities.Count,
            [.. Pictures, SummaryFile]);
        File.WriteAllText(Path.Combine(OutputDirectory, SummaryFile), JsonSerializer.Serialize(summary, JsonOptions));
        return Paths;
    }

    void Save(RgbImage picture, string file) => ImageIo.SavePng(picture, Path.Combine(OutputDirectory, file));

    static BoxXyxy ToBox(float[] b) => new(b[0], b[1], b[2], b[3]);

    static List<ScoredBoxOverlay> Scored(IReadOnlyList<ScoredBox> boxes) => boxes.Select(b => new ScoredBoxOverlay(ToBox(b.BoxXyxy), b.Score)).ToList();

    sealed record AnchorLevelSummary(int Level, double[] Sizes, double[] AspectRatios, int[] Stride, float[] Centre);

    /// <summary>The <c>inspect.json</c> document (snake_case keys).</summary>
    sealed record InspectionSummary(
        int[] ImageSize, int[] ResizedSize, float[] Location,
        int[] AnchorsPerLocation, int AnchorsPerLocationTotal, IReadOnlyList<AnchorLevelSummary> AnchorLevels,
        int ProposalsBeforeNms, int ProposalsAfterNms, int ProposalsShownBeforeNms, int ProposalsShownAfterNms,
        int Detections, int DetectionsShown, int MaskSize, int MasksShown, string[] Files);
}
