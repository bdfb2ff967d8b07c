"""One run of the performance comparison: ONNX Runtime on torchvision's export vs `maskrcnn benchmark` on the
same seeded weights and photo, back to back on the same machine, then the tables of ratios — first at torchvision's
default box score threshold (0.05), then at 0 (every candidate kept, ~90,000 class boxes into the exported NMS).

Needs the Release builds (`dotnet build -c Release`); exports the two ONNX graphs with bench/onnx/export_maskrcnn.py
(Debian's python3-torchvision) into MODEL_DIR/score-0.05 and MODEL_DIR/score-0 when they are missing.
Run: /usr/bin/python3 bench/side_by_side.py [--model-dir /tmp/maskrcnn-bench] [--runs 5] [--out /tmp/side-by-side]
"""
import argparse
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "src", "MaskRcnn.Cli", "bin", "Release", "net10.0", "maskrcnn")


def run(cmd, log):
    with open(log, "w") as f:
        subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", default="/tmp/maskrcnn-bench")
    parser.add_argument("--image", default=os.path.join(ROOT, "bench", "data", "photo.jpg"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", default="/tmp/side-by-side")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"load average before the runs: {load:.2f}; {args.warmup} warm-ups + {args.runs} timed runs each, 2 threads")
    for score in ("0.05", "0"):
        model_dir = os.path.join(args.model_dir, f"score-{score}")
        if not os.path.exists(os.path.join(model_dir, "maskrcnn.onnx")):
            run(["/usr/bin/python3", "bench/onnx/export_maskrcnn.py", model_dir, "--image", args.image, "--score-thresh", score],
                os.path.join(args.out, f"export-{score}.log"))
        label = "torchvision's default box score threshold 0.05" if score == "0.05" else "box score threshold 0 (all candidates kept)"
        compare(args, model_dir, os.path.join(args.out, f"score-{score}"), score, label)


def compare(args, model_dir, out, score, label):
    os.makedirs(out, exist_ok=True)
    common = ["--input", args.image, "--warmup", str(args.warmup), "--runs", str(args.runs), "--threads", "2"]
    args = argparse.Namespace(**{**vars(args), "model_dir": model_dir, "out": out})
    run(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/MaskRcnn.Benchmarks", "--", "onnx",
         "--model", os.path.join(args.model_dir, "maskrcnn.onnx"), *common, "--json", f"{args.out}/ort.json"],
        f"{args.out}/ort.log")
    ours = [("fp32", []), ("fp32, norms unfolded", ["--no-batch-norm-folding"]), ("bf16", ["--precision", "bf16"])]
    for i, (name, extra) in enumerate(ours):
        run([CLI, "benchmark", "--weights", os.path.join(args.model_dir, "maskrcnn_seed0.safetensors"), *common,
             "--box-score-threshold", score, *extra, "--json", f"{args.out}/ours{i}.json",
             "--save-detections", f"{args.out}/ours{i}.safetensors"], f"{args.out}/ours{i}.log")

    ort = json.load(open(f"{args.out}/ort.json"))
    print(f"\n{label}:")
    print("| configuration | median | min | ratio to ORT (median) | peak RSS | not conv/linear |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| ONNX Runtime 1.31.1, torchvision 0.14.1's export | {ort['median_ms']:.0f} ms | {ort['min_ms']:.0f} ms | 1 "
          f"| {ort['peak_rss_mb']:.0f} MiB | |")
    for i, (name, _) in enumerate(ours):
        r = json.load(open(f"{args.out}/ours{i}.json"))
        stages = sum(r["stages"].values())
        other = (stages - sum(r["conv_linear_ms"].values())) / stages
        print(f"| maskrcnn benchmark, {name} | {r['median_ms']:.0f} ms | {r['min_ms']:.0f} ms | "
              f"**{r['median_ms'] / ort['median_ms']:.2f}×** | {r['peak_rss_mb']:.0f} MiB | {other:.1%} |")
    for i, (name, _) in enumerate(ours):
        r = json.load(open(f"{args.out}/ours{i}.json"))
        parts = ", ".join(f"{k} {v:.0f} ({r['conv_linear_ms'][k]:.0f} / {v - r['conv_linear_ms'][k]:.0f})"
                          for k, v in r["stages"].items())
        print(f"stages, {name} (ms; conv+linear / other): {parts}")


if __name__ == "__main__":
    main()
