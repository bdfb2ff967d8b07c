"""Repeats the end-to-end measurements in interleaved rounds and reports the median of the per-run medians.

The machine is shared, so each configuration runs once per round, in turn, and the load average is recorded
before each run. Configurations:
  ort+malloc   the C# `onnx` command with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736
  ort          the C# `onnx` command, default glibc malloc settings
  tv-openblas  torchvision eager (time_torchvision.py) with OpenBLAS preloaded through LD_LIBRARY_PATH
               (only if --openblas DIR is given; Debian's torch otherwise uses the reference BLAS)
  tv-debian    torchvision eager as installed (reference BLAS: the box head's fc6 GEMM alone takes ~12 s)

Build first: dotnet build bench/MaskRcnn.Benchmarks -c Release
Run: /usr/bin/python3 bench/onnx/run_comparison.py [--rounds 3] [--out /tmp/maskrcnn-bench/runs]
     [--openblas /tmp/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread] [--skip tv-debian]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "68719476736"}


def configurations(args):
    ort = ["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/MaskRcnn.Benchmarks", "--",
           "onnx", "--model", os.path.join(args.model_dir, "maskrcnn.onnx"), "--input", args.input,
           "--warmup", "2", "--runs", "5", "--threads", "2"]
    tv = [sys.executable, os.path.join(HERE, "time_torchvision.py"), "--weights",
          os.path.join(args.model_dir, "maskrcnn_seed0.pth"), "--input", args.input, "--threads", "2"]
    configs = {"ort+malloc": (ort, MALLOC), "ort": (ort, {})}
    if args.openblas:
        configs["tv-openblas"] = (tv + ["--warmup", "2", "--runs", "5"],
                                  {"LD_LIBRARY_PATH": args.openblas, "OPENBLAS_NUM_THREADS": "2"})
    # Reference BLAS makes one run ~25-35 s: fewer runs keep a round affordable.
    configs["tv-debian"] = (tv + ["--warmup", "1", "--runs", "3"], {})
    return {k: v for k, v in configs.items() if k not in args.skip}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--model-dir", default="/tmp/maskrcnn-bench")
    p.add_argument("--input", default=os.path.join(ROOT, "bench", "data", "photo.jpg"))
    p.add_argument("--out", default="/tmp/maskrcnn-bench/runs")
    p.add_argument("--openblas")
    p.add_argument("--skip", nargs="*", default=[])
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    results = {name: [] for name in configurations(args)}
    for r in range(args.rounds):
        for name, (cmd, extra_env) in configurations(args).items():
            out_json = os.path.join(args.out, f"{name}-{r}.json")
            env = {k: v for k, v in os.environ.items() if k not in MALLOC}
            env.update(extra_env)
            load = os.getloadavg()[0]
            full = cmd + ["--json", out_json]
            print(f"[round {r}] {name}: load {load:.1f}: {' '.join(f'{k}={v}' for k, v in extra_env.items())} "
                  f"{' '.join(full)}", flush=True)
            start = time.time()
            proc = subprocess.run(full, cwd=ROOT, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-2000:], flush=True)
                raise SystemExit(f"{name} failed with exit code {proc.returncode}")
            with open(out_json) as f:
                result = json.load(f)
            result["load_before"] = load
            result["wall_s"] = time.time() - start
            results[name].append(result)
            print(f"    median {result['median_ms']:.0f} ms (min {result['min_ms']:.0f}, max {result['max_ms']:.0f}), "
                  f"detections {result['detections']}, peak RSS {result['peak_rss_mb']:.0f} MiB", flush=True)

    print("\n| configuration | median of medians (ms) | per-round medians (ms) | best run (ms) | CPU ms per run "
          "(median of medians) | peak RSS (MiB) | detections | load avg (1 min) before each |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
    for name, rs in results.items():
        medians = [x["median_ms"] for x in rs]
        loads = ", ".join(f"{x['load_before']:.1f}" for x in rs)
        print(f"| {name} | {statistics.median(medians):.0f} | {', '.join(f'{m:.0f}' for m in medians)} | "
              f"{min(x['min_ms'] for x in rs):.0f} | "
              f"{statistics.median(x['median_cpu_ms'] for x in rs):.0f} | {statistics.median(x['peak_rss_mb'] for x in rs):.0f} | "
              f"{rs[0]['detections']} | {loads} |")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
