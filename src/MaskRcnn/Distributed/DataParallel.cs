using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Distributed;

/// <summary>
/// Data-parallel SGD over a communicator, as PyTorch's DistributedDataParallel does it: rank 0's initial weights
/// broadcast to all, then per step every rank's gradients flattened into one buffer, summed by one all-reduce and
/// divided by the number of ranks, so every rank applies the same update to the same weights.
/// </summary>
public sealed class DataParallel(ICommunicator communicator)
{
    public ICommunicator Communicator => communicator;

    /// <summary>Overwrites every tensor (parameters and buffers, any dtype) with root's values, in the given order.</summary>
    public void BroadcastFromRoot(IEnumerable<Tensor> tensors, int root = 0)
    {
        if (communicator.Size == 1) return;
        using var noGrad = torch.no_grad();
        foreach (var tensor in tensors)
        {
            using var scope = torch.NewDisposeScope();
            var host = tensor.detach().cpu().contiguous().clone();
            // bytes spans the tensor's native storage, so the broadcast writes into it directly.
            communicator.Broadcast(host.bytes, root);
            tensor.copy_(host);
        }
    }

    /// <summary>
    /// Replaces each parameter's gradient by its mean over the ranks and <paramref name="values"/> (e.g. the loss
    /// terms, for logging) by their means, in a single all-reduce. A parameter without a gradient on this rank (unused
    /// by this batch) contributes zeros and receives the mean, so every rank's optimizer sees the same gradients.
    /// </summary>
    public void AverageGradients(IReadOnlyList<Parameter> parameters, Span<double> values)
    {
        if (communicator.Size == 1) return;
        using var scope = torch.NewDisposeScope();
        var pieces = new List<Tensor>(parameters.Count + 1);
        foreach (var p in parameters)
            pieces.Add(p.grad is Tensor g ? g.detach().reshape(-1).to(ScalarType.Float32, CPU) : zeros(p.numel(), ScalarType.Float32));
        var extra = new float[values.Length];
        for (int i = 0; i < values.Length; i++) extra[i] = (float)values[i];
        pieces.Add(tensor(extra));
        var flat = cat(pieces, 0).contiguous();
        communicator.AllReduceSum(MemoryMarshal.Cast<byte, float>(flat.bytes));
        flat.div_(communicator.Size);

        using var noGrad = torch.no_grad();
        long offset = 0;
        foreach (var p in parameters)
        {
            var mean = flat.narrow(0, offset, p.numel()).view(p.shape).to(p.dtype, p.device);
            if (p.grad is Tensor g) g.copy_(mean);
            else p.grad = mean.clone().DetachFromDisposeScope();
            offset += p.numel();
        }
        var means = flat.narrow(0, offset, values.Length).data<float>().ToArray();
        for (int i = 0; i < values.Length; i++) values[i] = means[i];
    }

    /// <summary>Each flag true on every rank when it is true on any rank (a stop request, a time budget used up); one all-reduce.</summary>
    public bool[] Any(params bool[] flags)
    {
        if (communicator.Size == 1) return flags;
        var buffer = flags.Select(f => f ? 1f : 0f).ToArray();
        communicator.AllReduceSum(buffer);
        return buffer.Select(v => v > 0).ToArray();
    }

    /// <summary>Root's value on every rank.</summary>
    public int BroadcastInt(int value, int root = 0)
    {
        Span<byte> bytes = BitConverter.GetBytes(value);
        communicator.Broadcast(bytes, root);
        return BitConverter.ToInt32(bytes);
    }

    /// <summary>
    /// Every rank's <paramref name="mine"/> (all of one length) on every rank, by rank. Built from the all-reduce —
    /// each rank fills its own slot of a zeroed float buffer; byte values and zeros sum exactly in float.
    /// </summary>
    public byte[][] AllGather(ReadOnlySpan<byte> mine)
    {
        int n = mine.Length, size = communicator.Size;
        var buffer = new float[n * size];
        for (int i = 0; i < n; i++) buffer[communicator.Rank * n + i] = mine[i];
        communicator.AllReduceSum(buffer);
        var result = new byte[size][];
        for (int r = 0; r < size; r++)
        {
            result[r] = new byte[n];
            for (int i = 0; i < n; i++) result[r][i] = (byte)buffer[r * n + i];
        }
        return result;
    }
}
