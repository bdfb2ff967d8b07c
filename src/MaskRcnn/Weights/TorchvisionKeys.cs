using System.Globalization;
using System.Text.RegularExpressions;

namespace MaskRcnn.Weights;

/// <summary>
/// Renames state-dict keys of older torchvision checkpoints to 0.14's layout, as torchvision's own
/// <c>_load_from_state_dict</c> hooks do for version-1 modules: the RPN head, FPN blocks and mask head
/// became Conv2dNormActivation sequences in 0.13, adding ".0" levels to their names.
/// </summary>
public static partial class TorchvisionKeys
{
    [GeneratedRegex(@"^(.*rpn\.head\.conv)\.(weight|bias)$")]
    private static partial Regex RpnConv();

    [GeneratedRegex(@"^(.*fpn\.(?:inner|layer)_blocks\.\d+)\.(weight|bias)$")]
    private static partial Regex FpnBlock();

    [GeneratedRegex(@"^(.*mask_head)\.mask_fcn(\d+)\.(weight|bias)$")]
    private static partial Regex MaskFcn();

    /// <summary>The 0.14 name of <paramref name="key"/> (unchanged when already current).</summary>
    public static string Normalize(string key)
    {
        var m = RpnConv().Match(key);
        if (m.Success) return $"{m.Groups[1].Value}.0.0.{m.Groups[2].Value}";
        m = FpnBlock().Match(key);
        if (m.Success) return $"{m.Groups[1].Value}.0.{m.Groups[2].Value}";
        m = MaskFcn().Match(key);
        if (m.Success)
        {
            int layer = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) - 1;
            return $"{m.Groups[1].Value}.{layer}.0.{m.Groups[3].Value}";
        }
        return key;
    }

    /// <summary>BatchNorm2d's step counter: meaningless for FrozenBatchNorm2d, dropped as torchvision does.</summary>
    public static bool IsIgnored(string key) => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal) || key == "num_batches_tracked";
}
