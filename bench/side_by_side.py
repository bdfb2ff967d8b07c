"""One run of the performance issue's comparison: ONNX Runtime on torchvision's export vs `maskrcnn benchmark` on the
same seeded weights and photo, back to back on the same machine, then the table of ratios.

Needs the Release builds (`dotnet build -c Release`) and bench/onnx/export_maskrcnn.py's files in MODEL_DIR.
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
    common = ["--input", args.image, "--warmup", str(args.warmup), "--runs", str(args.runs), "--threads", "2"]
    load = os.getloadavg()[0]

    run(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/MaskRcnn.Benchmarks", "--", "onnx",
         "--model", os.path.join(args.model_dir, "maskrcnn.onnx"), *common, "--json", f"{args.out}/ort.json"],
        f"{args.out}/ort.log")
    ours = [("fp32", []), ("fp32, norms unfolded", ["--no-batch-norm-folding"]), ("bf16", ["--precision", "bf16"])]
    for i, (name, extra) in enumerate(ours):
        run([CLI, "benchmark", "--weights", os.path.join(args.model_dir, "maskrcnn_seed0.safetensors"), *common,
             "--box-score-threshold", "0", *extra, "--json", f"{args.out}/ours{i}.json",
             "--save-detections", f"{args.out}/ours{i}.safetensors"], f"{args.out}/ours{i}.log")

    ort = json.load(open(f"{args.out}/ort.json"))
    print(f"load average before the runs: {load:.2f}; {args.warmup} warm-ups + {args.runs} timed runs each, 2 threads")
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
