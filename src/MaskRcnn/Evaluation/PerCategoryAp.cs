using System.Globalization;
using System.Text;

namespace MaskRcnn.Evaluation;

/// <summary>One category's AP@[.50:.95] (all areas, the largest maxDets) by box and by mask; null where not evaluated
/// or the category has no ground truth (pycocotools' -1).</summary>
public sealed record CategoryAp(long CategoryId, string Name, double? Bbox, double? Segm);

/// <summary>Per-class AP, as Detectron2's COCOEvaluator prints it after the summary: what a user with several classes
/// reads first to see which one the model misses.</summary>
public static class PerCategoryAp
{
    /// <param name="categories">Category ids and names, in the order to show them.</param>
    /// <param name="bbox">The box evaluation, or null.</param>
    /// <param name="segm">The mask evaluation, or null.</param>
    public static IReadOnlyList<CategoryAp> Table(IEnumerable<(long Id, string Name)> categories, CocoEvalResult? bbox, CocoEvalResult? segm) =>
        categories.Select(c => new CategoryAp(c.Id, c.Name, Of(bbox, c.Id), Of(segm, c.Id))).ToList();

    static double? Of(CocoEvalResult? result, long id) =>
        result is not null && result.PerCategoryAp.TryGetValue(id, out double ap) && ap > -1 ? ap : null;

    /// <summary>A plain-text table: one line per category with its id, name, box AP and mask AP ("-" where undefined).</summary>
    public static string Format(IReadOnlyList<CategoryAp> rows)
    {
        int width = Math.Max("category".Length, rows.Select(r => r.Name.Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"id",6}  {"category".PadRight(width)}  {"bbox AP",7}  {"segm AP",7}\n");
        foreach (var r in rows)
            text.Append(CultureInfo.InvariantCulture, $"{r.CategoryId,6}  {r.Name.PadRight(width)}  {Cell(r.Bbox),7}  {Cell(r.Segm),7}\n");
        return text.ToString();
    }

    static string Cell(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
