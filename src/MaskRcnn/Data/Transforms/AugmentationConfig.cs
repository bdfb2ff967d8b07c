using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// The training augmentations as a list of steps — the same text in <c>train --augment</c> and in the training
/// config JSON (<c>{"Steps": ["hflip", "rot90", "crop:512"]}</c>):
/// <list type="table">
/// <item><term><c>hflip</c>, <c>vflip</c></term><description>mirror left–right / top–bottom with probability ½ (<see cref="RandomHorizontalFlip"/>, <see cref="RandomVerticalFlip"/>)</description></item>
/// <item><term><c>rot90</c></term><description>turn by 0, 90, 180 or 270°, uniformly (<see cref="RandomRotate90"/>)</description></item>
/// <item><term><c>scale:MIN-MAX</c></term><description>short side = training size × f, f uniform in [MIN, MAX] (<see cref="RandomScale"/>)</description></item>
/// <item><term><c>crop:SIZE[:MIN_AREA]</c></term><description>a random SIZE×SIZE window; cut instances under MIN_AREA pixels (default 16) dropped (<see cref="RandomCrop"/>)</description></item>
/// <item><term><c>color[:STRENGTH]</c></term><description>brightness, contrast and gamma jitter (default strength 0.2, <see cref="ColorJitter"/>)</description></item>
/// </list>
/// Steps apply in that order whatever order they are listed in (geometry first, so crops are taken after scaling,
/// colour last), each at most once; <see cref="Parse"/> and <see cref="ToString"/> use that canonical order, so a
/// parsed list prints back as the same text. <c>none</c> (or an empty list) means no augmentation.
/// </summary>
public sealed record AugmentationConfig
{
    static readonly string[] Order = ["hflip", "vflip", "rot90", "scale", "crop", "color"];
    const string Known = "hflip, vflip, rot90, scale:MIN-MAX, crop:SIZE[:MIN_AREA], color[:STRENGTH]";

    /// <summary>The steps, in canonical order (see the type's summary).</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    /// <summary>No augmentation.</summary>
    public static AugmentationConfig None { get; } = new();

    /// <summary>Torchvision's detection-reference default: a horizontal flip.</summary>
    public static AugmentationConfig HorizontalFlip { get; } = new() { Steps = ["hflip"] };

    /// <summary>Parses a comma-separated list such as <c>hflip,vflip,rot90,scale:0.8-1.25,crop:512,color</c>.</summary>
    /// <exception cref="FormatException">One line naming the step and what is wrong with it.</exception>
    public static AugmentationConfig Parse(string list)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items is ["none"]) return None;
        var steps = new Dictionary<string, string>();
        foreach (var item in items)
        {
            var step = ParseStep(item);
            if (!steps.TryAdd(step.Name, step.Text))
                throw new FormatException($"augmentation '{list}': '{step.Name}' is given twice");
        }
        return new AugmentationConfig { Steps = Order.Where(steps.ContainsKey).Select(n => steps[n]).ToArray() };
    }

    /// <summary>The steps as <see cref="Parse"/> reads them back.</summary>
    public override string ToString() => Steps.Count == 0 ? "none" : string.Join(",", Steps);

    public bool Equals(AugmentationConfig? other) => other is not null && Steps.SequenceEqual(other.Steps);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>
    /// The composed transform. Given the training short side (and long-side cap), every image is first resized to it
    /// (times the scale factor when <c>scale</c> is listed) so that crops are taken at the training scale and objects
    /// keep the size in pixels that prediction at that size gives them; the model's own resize must then leave
    /// training images alone. Without a training size, <c>scale</c> is relative to each image's own short side and
    /// crops are taken at the image's native resolution.
    /// </summary>
    /// <exception cref="FormatException">A step is invalid (a config built without <see cref="Parse"/>).</exception>
    public ITransform Build(int? trainingShortSide = null, int? maxSize = null)
    {
        var parsed = Steps.Select(ParseStep).ToArray();
        if (parsed.DistinctBy(s => s.Name).Count() != parsed.Length) throw new FormatException($"augmentation '{this}': a step is given twice");
        var steps = parsed.ToDictionary(s => s.Name);
        var transforms = new List<ITransform>();
        if (steps.ContainsKey("hflip")) transforms.Add(new RandomHorizontalFlip(0.5));
        if (steps.ContainsKey("vflip")) transforms.Add(new RandomVerticalFlip(0.5));
        if (steps.ContainsKey("rot90")) transforms.Add(new RandomRotate90());
        if (steps.TryGetValue("scale", out var scale)) transforms.Add(new RandomScale(scale.A, scale.B, trainingShortSide, maxSize));
        else if (trainingShortSide is int s) transforms.Add(new RandomScale(1, 1, s, maxSize));
        if (steps.TryGetValue("crop", out var crop)) transforms.Add(new RandomCrop((int)crop.A, (int)crop.B));
        if (steps.TryGetValue("color", out var color)) transforms.Add(new ColorJitter(color.A));
        return new Compose([.. transforms]);
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary><c>{"Steps": [...]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new JsonForm(Steps.ToArray()), Json);

    /// <summary>Reads <see cref="ToJson"/>'s form, validating the steps as <see cref="Parse"/> does.</summary>
    /// <exception cref="FormatException">Not that form, an unknown key, or an invalid step.</exception>
    public static AugmentationConfig FromJson(string json)
    {
        JsonForm? form;
        try
        {
            form = JsonSerializer.Deserialize<JsonForm>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"augmentation config: {e.Message}");
        }
        return Parse(string.Join(",", form?.Steps ?? []));
    }

    sealed record JsonForm(string[] Steps);

    /// <summary>One parsed step: its name, canonical text and up to two numbers.</summary>
    sealed record Step(string Name, string Text, double A = 0, double B = 0);

    static Step ParseStep(string item)
    {
        var parts = item.Split(':');
        string name = parts[0];
        string Bad(string what) => $"augmentation step '{item}': {what}";
        switch (name)
        {
            case "hflip" or "vflip" or "rot90":
                if (parts.Length != 1) throw new FormatException(Bad($"'{name}' takes no value"));
                return new Step(name, name);
            case "scale":
            {
                if (parts.Length != 2) throw new FormatException(Bad("expected scale:MIN-MAX, e.g. scale:0.8-1.25"));
                var range = parts[1].Split('-');
                if (range.Length != 2 || !Number(range[0], out double a) || !Number(range[1], out double b))
                    throw new FormatException(Bad("expected scale:MIN-MAX with two decimal numbers, e.g. scale:0.8-1.25"));
                if (!(a > 0) || a > b || b > 100) throw new FormatException(Bad("the range must satisfy 0 < MIN <= MAX <= 100"));
                return new Step(name, $"scale:{Text(a)}-{Text(b)}", a, b);
            }
            case "crop":
            {
                if (parts.Length is < 2 or > 3) throw new FormatException(Bad("expected crop:SIZE or crop:SIZE:MIN_AREA, e.g. crop:512"));
                if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
                    throw new FormatException(Bad("the crop size must be a positive whole number of pixels"));
                int minArea = RandomCrop.DefaultMinArea;
                if (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out minArea) || minArea < 1))
                    throw new FormatException(Bad("the minimum area must be a positive whole number of pixels"));
                return new Step(name, minArea == RandomCrop.DefaultMinArea ? $"crop:{size}" : $"crop:{size}:{minArea}", size, minArea);
            }
            case "color":
            {
                if (parts.Length > 2) throw new FormatException(Bad("expected color or color:STRENGTH, e.g. color:0.2"));
                double strength = ColorJitter.DefaultStrength;
                if (parts.Length == 2 && (!Number(parts[1], out strength) || !(strength >= 0 && strength < 1)))
                    throw new FormatException(Bad("the strength must be a number in [0, 1)"));
                return new Step(name, strength == ColorJitter.DefaultStrength ? "color" : $"color:{Text(strength)}", strength);
            }
            default:
                throw new FormatException(Bad($"unknown step (known: {Known})"));
        }
    }

    static bool Number(string s, out double value) =>
        double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
