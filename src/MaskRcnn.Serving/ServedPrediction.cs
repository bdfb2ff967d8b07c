using MaskRcnn.Data.Images;
using MaskRcnn.Inference;

namespace MaskRcnn.Serving;

/// <summary>The answer to one prediction request.</summary>
/// <param name="Image">The decoded upload (drawn on for the overlay).</param>
/// <param name="Instances">Detections scoring at least the request's threshold, by score descending, in the image's pixels.</param>
/// <param name="ModelTime">Time inside the model (after the wait for a slot).</param>
/// <param name="QueueTime">Time spent waiting for a slot.</param>
public sealed record ServedPrediction(RgbImage Image, IReadOnlyList<InstancePrediction> Instances, TimeSpan ModelTime, TimeSpan QueueTime);
