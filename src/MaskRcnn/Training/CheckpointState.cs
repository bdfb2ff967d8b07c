using System.Text.Json.Nodes;

namespace MaskRcnn.Training;

/// <summary>
/// Everything besides tensors that a resumed run needs to continue exactly: the completed iterations, the
/// schedule (whose length a time budget may have fixed), the data stream's position, the torch seed, and
/// the model configuration for rebuilding the model.
/// </summary>
public sealed record CheckpointState(int Iteration, LrSchedule Schedule, DataPosition Data, long TorchSeed, JsonNode? ModelConfig, int WorldSize = 1);
