using System.Globalization;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// Reads an ImageNet ResNet exported to ONNX (ML.NET's <c>ResNet18.onnx</c>, a CNTK 2.6 export) into torchvision's
/// body names. The mapping follows the graph, not CNTK's parameter numbers: the stem is the first
/// Conv → BatchNormalization → Relu → MaxPool; every residual Add then closes a block whose main branch is the chain of
/// Conv → BatchNormalization pairs (with Relus between) back to the block's input and whose shortcut is that input
/// itself or one Conv → BatchNormalization (torchvision's <c>downsample</c>). A block with a projection shortcut after
/// the first starts the next stage. The classifier after the last block (pooling, and any Gemm) is not read.
/// </summary>
public static class OnnxResNetWeights
{
    /// <summary>
    /// Reads <paramref name="modelPath"/> and the preprocessing graph <paramref name="preprocessPath"/> (ML.NET's
    /// <c>ResNetPreprocess.onnx</c>: channel reorder, then minus a mean image). When the preprocessing feeds BGR,
    /// conv1's input channels are permuted so the body takes RGB; its mean image becomes a per-channel mean on the
    /// 0–1 scale with std 1/255 (the network was trained on 0–255 pixels, not divided).
    /// </summary>
    public static PretrainedBody Read(string modelPath, string preprocessPath)
    {
        var (channelOrder, channelMeans) = ReadPreprocessing(preprocessPath);
        var graph = Parse(modelPath).Graph;
        var walk = new GraphWalk(graph, modelPath);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            var stem = walk.Stem();
            var stemWeight = walk.Initializer(stem.Conv.Input[1]);
            // Put conv1's input channels in RGB order: input channel c of the ONNX net is RGB channel channelOrder[c].
            var rgbToFile = Enumerable.Range(0, 3).Select(rgb => Array.IndexOf(channelOrder, rgb)).Select(i => (long)i).ToArray();
            using (var index = tensor(rgbToFile))
                tensors["conv1.weight"] = stemWeight.index_select(1, index);
            stemWeight.Dispose();
            walk.AddNorm(tensors, "bn1", stem.Norm);
            var blocks = walk.Blocks(stem.Output);
            bool bottleneck = blocks[0].Main.Count == 3;
            var stages = new List<int>();
            for (int i = 0; i < blocks.Count; i++)
            {
                var block = blocks[i];
                if (block.Main.Count != (bottleneck ? 3 : 2))
                    throw new InvalidDataException($"{modelPath}: residual block {i + 1} has {block.Main.Count} convolutions on its main branch, the first has {blocks[0].Main.Count}; not a torchvision-style ResNet");
                // torchvision's _make_layer: only a stage's first block has a projection shortcut.
                if (i == 0 || block.Shortcut is not null) stages.Add(0);
                string prefix = $"layer{stages.Count}.{stages[^1]}";
                // layer2..4 halve the resolution in their first block: on the 3×3 conv (BasicBlock's first,
                // Bottleneck's second — torchvision's "V1.5") and on the shortcut.
                long stride = stages.Count > 1 && stages[^1] == 0 ? 2 : 1;
                stages[^1]++;
                for (int k = 0; k < block.Main.Count; k++)
                {
                    walk.CheckConv(block.Main[k].Conv, $"{prefix}.conv{k + 1}", bottleneck && k != 1 ? 1 : 3, k == (bottleneck ? 1 : 0) ? stride : 1);
                    tensors[$"{prefix}.conv{k + 1}.weight"] = walk.Initializer(block.Main[k].Conv.Input[1]);
                    walk.AddNorm(tensors, $"{prefix}.bn{k + 1}", block.Main[k].Norm);
                }
                if (block.Shortcut is { } sc)
                {
                    walk.CheckConv(sc.Conv, $"{prefix}.downsample.0", 1, stride);
                    tensors[$"{prefix}.downsample.0.weight"] = walk.Initializer(sc.Conv.Input[1]);
                    walk.AddNorm(tensors, $"{prefix}.downsample.1", sc.Norm);
                }
            }
            if (stages.Count != 4)
                throw new InvalidDataException($"{modelPath}: found {stages.Count} stages of residual blocks ({string.Join(",", stages)}); a ResNet body has 4");
            var mean = channelMeans.Select(m => m / 255.0).ToArray();
            var std = Enumerable.Repeat(1.0 / 255.0, 3).ToArray();
            return new PretrainedBody(modelPath, bottleneck, stages, (int)tensors["conv1.weight"].shape[0], walk.Eps, tensors, mean, std);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The preprocessing graph's channel order (input channel c of the network is RGB channel order[c]) and the
    /// mean image's per-channel means in RGB order on the 0–255 scale.
    /// </summary>
    public static (int[] ChannelOrder, double[] RgbMeans) ReadPreprocessing(string path)
    {
        var graph = Parse(path).Graph;
        var split = graph.Node.SingleOrDefault(n => n.OpType == "Split");
        var concat = graph.Node.SingleOrDefault(n => n.OpType == "Concat");
        var sub = graph.Node.SingleOrDefault(n => n.OpType == "Sub");
        if (split is null || concat is null || sub is null || split.Output.Count != 3 || concat.Input.Count != 3)
            throw new InvalidDataException($"{path}: expected a preprocessing graph of Split (3 channels) → Concat → Sub (mean image), found {string.Join(" → ", graph.Node.Select(n => n.OpType))}");
        var order = concat.Input.Select(name => split.Output.IndexOf(name)).ToArray();
        if (order.Any(i => i < 0)) throw new InvalidDataException($"{path}: the Concat does not reorder the Split's channels");
        var meanName = sub.Input.FirstOrDefault(name => graph.Initializer.Any(t => t.Name == name))
            ?? throw new InvalidDataException($"{path}: the Sub has no constant mean image");
        using var meanImage = ToTensor(graph.Initializer.Single(t => t.Name == meanName), path);
        if (meanImage.dim() != 4 || meanImage.shape[1] != 3)
            throw new InvalidDataException($"{path}: mean image has shape [{string.Join(",", meanImage.shape)}], expected [1,3,H,W]");
        using var perChannel = meanImage.to_type(ScalarType.Float64).mean([0, 2, 3]);
        var fileOrderMeans = perChannel.data<double>().ToArray();
        var rgb = new double[3];
        for (int c = 0; c < 3; c++) rgb[order[c]] = fileOrderMeans[c];
        return (order, rgb);
    }

    /// <summary>The mean image of the preprocessing graph as [3,H,W] in the network's channel order, 0–255.</summary>
    public static Tensor ReadMeanImage(string path)
    {
        var graph = Parse(path).Graph;
        var sub = graph.Node.Single(n => n.OpType == "Sub");
        var init = graph.Initializer.Single(t => sub.Input.Contains(t.Name));
        using var image = ToTensor(init, path);
        return image[0].clone();
    }

    static ModelProto Parse(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: ONNX file not found", path);
        try
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not an ONNX model ({e.Message})", e);
        }
    }

    internal static Tensor ToTensor(TensorProto t, string path)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"{path}: initializer {t.Name} has ONNX data type {t.DataType}, expected float");
        var shape = t.Dims.ToArray();
        float[] values = t.RawData.Length > 0
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray()
            : t.FloatData.ToArray();
        return tensor(values, shape);
    }

    static long[] Strides(NodeProto conv) => conv.Attribute.FirstOrDefault(a => a.Name == "strides")?.Ints.ToArray() ?? [1, 1];

    readonly record struct ConvNorm(NodeProto Conv, NodeProto Norm);

    sealed record Block(IReadOnlyList<ConvNorm> Main, ConvNorm? Shortcut);

    /// <summary>Producer lookup and checks over one graph.</summary>
    sealed class GraphWalk
    {
        readonly GraphProto _graph;
        readonly string _path;
        readonly Dictionary<string, NodeProto> _producer = [];
        readonly Dictionary<string, TensorProto> _initializers;
        readonly Dictionary<string, List<NodeProto>> _consumers = [];
        readonly HashSet<double> _eps = [];

        public GraphWalk(GraphProto graph, string path)
        {
            _graph = graph;
            _path = path;
            _initializers = graph.Initializer.ToDictionary(t => t.Name);
            foreach (var node in graph.Node)
            {
                foreach (var o in node.Output) _producer[o] = node;
                foreach (var i in node.Input)
                {
                    if (!_consumers.TryGetValue(i, out var list)) _consumers[i] = list = [];
                    list.Add(node);
                }
            }
        }

        public double Eps => _eps.Count == 1 ? _eps.Single()
            : throw new InvalidDataException($"{_path}: the batch norms use different epsilons ({string.Join(", ", _eps)}); FrozenBatchNorm2d has one");

        public Tensor Initializer(string name) => _initializers.TryGetValue(name, out var t) ? ToTensor(t, _path)
            : throw new InvalidDataException($"{_path}: '{name}' is not a constant initializer; expected trained weights");

        /// <summary>The graph's first node must be conv1: Conv → BatchNormalization → Relu → MaxPool.</summary>
        public (NodeProto Conv, NodeProto Norm, string Output) Stem()
        {
            var input = _graph.Input.First(i => !_initializers.ContainsKey(i.Name)).Name;
            var conv = Single(input, "Conv", "the image input");
            CheckConv(conv, "conv1", 7, 2);
            var norm = Single(conv.Output[0], "BatchNormalization", "conv1");
            var relu = Single(norm.Output[0], "Relu", "bn1");
            var pool = Single(relu.Output[0], "MaxPool", "the stem's ReLU");
            var k = pool.Attribute.First(a => a.Name == "kernel_shape").Ints;
            var poolPads = pool.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
            // pads [1,1,0,0] (CNTK) and torch's padding 1 read the same pixels on an even input side.
            if (k.Any(v => v != 3) || Strides(pool).Any(s => s != 2) || poolPads.Length != 4 || poolPads[0] != 1 || poolPads[1] != 1 || poolPads[2] > 1 || poolPads[3] > 1)
                throw new InvalidDataException($"{_path}: the stem's MaxPool is {string.Join("x", k)}/{string.Join(",", Strides(pool))}, torchvision's is 3x3/2");
            return (conv, norm, pool.Output[0]);
        }

        /// <summary>Every residual block from <paramref name="input"/> on, in graph order.</summary>
        public List<Block> Blocks(string input)
        {
            var blocks = new List<Block>();
            string current = input;
            while (true)
            {
                // The block's Add: the first Add reached from current whose one operand is current or a
                // Conv → BatchNormalization of current.
                var add = _graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Count == 2 && ShortcutOf(n, current) is not null);
                if (add is null) break;
                var (shortcutInput, shortcut) = ShortcutOf(add, current)!.Value;
                var mainInput = add.Input[0] == shortcutInput ? add.Input[1] : add.Input[0];
                var main = Chain(mainInput, current, blocks.Count + 1);
                var relu = Single(add.Output[0], "Relu", $"residual block {blocks.Count + 1}'s Add");
                blocks.Add(new Block(main, shortcut));
                current = relu.Output[0];
            }
            if (blocks.Count == 0) throw new InvalidDataException($"{_path}: no residual block after the stem; not a ResNet");
            return blocks;
        }

        // (operand name, projection or null) when one operand of add is the identity of current or a projection of it.
        (string Operand, ConvNorm? Projection)? ShortcutOf(NodeProto add, string current)
        {
            foreach (var operand in add.Input)
            {
                if (operand == current) return (operand, null);
                if (_producer.TryGetValue(operand, out var bn) && bn.OpType == "BatchNormalization"
                    && _producer.TryGetValue(bn.Input[0], out var conv) && conv.OpType == "Conv" && conv.Input[0] == current
                    && Kernel(conv) == 1 && add.Input.Any(o => o != operand && Reaches(o, current)))
                    return (operand, new ConvNorm(conv, bn));
            }
            return null;
        }

        bool Reaches(string tensorName, string target)
        {
            for (int steps = 0; steps < 16; steps++)
            {
                if (tensorName == target) return true;
                if (!_producer.TryGetValue(tensorName, out var node) || node.OpType is not ("Conv" or "BatchNormalization" or "Relu")) return false;
                tensorName = node.Input[0];
            }
            return false;
        }

        // The main branch back from the Add to the block input: (Conv → BatchNormalization) pairs with Relus between.
        List<ConvNorm> Chain(string output, string blockInput, int block)
        {
            var pairs = new List<ConvNorm>();
            string t = output;
            while (t != blockInput)
            {
                if (!_producer.TryGetValue(t, out var node))
                    throw new InvalidDataException($"{_path}: residual block {block}'s main branch does not lead back to the block input");
                if (node.OpType == "Relu" && pairs.Count > 0) { t = node.Input[0]; continue; }
                if (node.OpType != "BatchNormalization" || !_producer.TryGetValue(node.Input[0], out var conv) || conv.OpType != "Conv")
                    throw new InvalidDataException($"{_path}: residual block {block} has a {node.OpType} where a Conv → BatchNormalization pair was expected");
                pairs.Insert(0, new ConvNorm(conv, node));
                t = conv.Input[0];
            }
            return pairs;
        }

        NodeProto Single(string tensorName, string opType, string what)
        {
            var next = _consumers.GetValueOrDefault(tensorName) ?? [];
            return next.Count == 1 && next[0].OpType == opType ? next[0]
                : throw new InvalidDataException($"{_path}: {what} feeds {string.Join(", ", next.Select(n => n.OpType).DefaultIfEmpty("nothing"))}, expected {opType}; not a torchvision-style ResNet");
        }

        static long Kernel(NodeProto conv) => conv.Attribute.First(a => a.Name == "kernel_shape").Ints[0];

        /// <summary>
        /// A bias-free square convolution of size <paramref name="kernel"/>, group 1, no dilation, padded as torch's
        /// symmetric k/2 — or CNTK's "same" padding at stride 2 (pads k/2 before, k/2 − 1 after), which reads the same
        /// pixels whenever the input side is even, as it always is here (inputs are padded to a multiple of 32).
        /// </summary>
        public void CheckConv(NodeProto conv, string name, long kernel, long stride)
        {
            long Attr(string a, long fallback) => conv.Attribute.FirstOrDefault(x => x.Name == a)?.I ?? fallback;
            var k = conv.Attribute.First(a => a.Name == "kernel_shape").Ints;
            var pads = conv.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
            var dil = conv.Attribute.FirstOrDefault(a => a.Name == "dilations")?.Ints.ToArray() ?? [1, 1];
            var strides = Strides(conv);
            long p = kernel / 2;
            bool padsOk = pads.Length == 4 && pads[0] == p && pads[1] == p
                && (pads[2] == p && pads[3] == p || strides.All(s => s == 2) && pads[2] == p - 1 && pads[3] == p - 1);
            if (k.Count != 2 || k[0] != kernel || k[1] != kernel || strides.Any(s => s != stride) || Attr("group", 1) != 1 || dil.Any(d => d != 1) || conv.Input.Count > 2 || !padsOk)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{_path}: {name} ({conv.Output[0]}) is a {string.Join("x", k)} convolution with pads [{string.Join(",", pads)}], strides [{string.Join(",", strides)}]{(conv.Input.Count > 2 ? " and a bias" : "")}; torchvision's is {kernel}x{kernel}, stride {stride}, padding {p}, no bias"));
        }

        /// <summary>ONNX BatchNormalization inputs are X, scale, B, mean, var: torchvision's weight, bias, running_mean, running_var.</summary>
        public void AddNorm(Dictionary<string, Tensor> tensors, string prefix, NodeProto norm)
        {
            // ONNX stores epsilon as float32: 1e-5f read back through its shortest decimal form is 1e-5, not 9.99999975e-6.
            float eps = norm.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            _eps.Add(double.Parse(eps.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            string[] names = ["weight", "bias", "running_mean", "running_var"];
            for (int i = 0; i < 4; i++) tensors[$"{prefix}.{names[i]}"] = Initializer(norm.Input[i + 1]);
        }
    }
}
