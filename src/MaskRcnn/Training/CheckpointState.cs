using System.Text.Json.Nodes;
using MaskRcnn.Runtime;

namespace MaskRcnn.Training;

/// <summary>
/// Everything besides tensors that a resumed run needs to continue exactly: the completed iterations, the
/// schedule (whose length a time budget may have fixed), the data stream's position, the torch seed, and
/// the model configuration for rebuilding the model, the number of processes and the training precision (a resumed
/// bf16 run goes on in bf16 unless told otherwise).
/// </summary>
public sealed record CheckpointState(int Iteration, LrSchedule Schedule, DataPosition Data, long TorchSeed, JsonNode? ModelConfig, int WorldSize = 1,
    ComputePrecision Precision = ComputePrecision.Fp32);
