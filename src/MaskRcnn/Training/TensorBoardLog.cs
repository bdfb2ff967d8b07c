using TorchSharp;
using TorchSharp.Modules;

namespace MaskRcnn.Training;

/// <summary>Scalars for TensorBoard (an events file in the run folder), through TorchSharp's SummaryWriter.</summary>
public sealed class TensorBoardLog
{
    readonly SummaryWriter writer;

    public TensorBoardLog(string logDirectory)
    {
        Directory.CreateDirectory(logDirectory);
        writer = torch.utils.tensorboard.SummaryWriter(logDirectory);
    }

    public string LogDirectory => writer.LogDir;

    public void WriteTraining(TrainingMetrics m)
    {
        writer.add_scalar("train/lr", (float)m.LearningRate, m.Iteration);
        writer.add_scalar("train/loss", (float)m.TotalLoss, m.Iteration);
        foreach (var (k, v) in m.Losses) writer.add_scalar($"train/{k}", (float)v, m.Iteration);
    }

    public void WriteEvaluation(int iteration, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (k, v) in metrics) writer.add_scalar($"eval/{k}", (float)v, iteration);
    }
}
