"""Times torchvision 0.14.1 itself (eager, Python) on the end-to-end benchmark's image: the floor reference.

Loads the exported state dict (bench/onnx/export_maskrcnn.py) into the seeded model with the same thresholds,
runs on 2 threads, and prints/writes the same JSON as the C# `onnx` command
({"median_ms","min_ms","max_ms","runs","median_cpu_ms","peak_rss_mb","detections"}). Decoding is not timed.

Run: /usr/bin/python3 bench/onnx/time_torchvision.py [--weights /tmp/maskrcnn-bench/maskrcnn_seed0.pth]
     [--input bench/data/photo.jpg] [--warmup 2] [--runs 5] [--threads 2] [--json out.json]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from seeded_maskrcnn import build_model, load_image  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", default="/tmp/maskrcnn-bench/maskrcnn_seed0.pth")
    p.add_argument("--input", default=os.path.join(HERE, "..", "data", "photo.jpg"))
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    model = build_model()
    model.load_state_dict(torch.load(args.weights))
    image = load_image(args.input)

    times, cpu_times, detections = [], [], None
    with torch.inference_mode():
        for i in range(args.warmup + args.runs):
            start, cpu_start = time.perf_counter(), time.process_time()
            out = model([image])[0]
            elapsed = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - cpu_start) * 1000
            if i >= args.warmup:
                times.append(elapsed)
                cpu_times.append(cpu)
                detections = out["boxes"].shape[0]

    result = {
        "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "runs": len(times),
        "median_cpu_ms": statistics.median(cpu_times),
        # ru_maxrss is in KiB on Linux
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "detections": detections,
    }
    print(f"torchvision {torchvision.__version__} (torch {torch.__version__}), {args.threads} threads, {os.path.basename(args.input)} "
          f"({image.shape[2]}x{image.shape[1]})")
    print("runs (ms): " + " ".join(f"{t:.0f}" for t in times))
    print(f"median {result['median_ms']:.1f} ms, min {result['min_ms']:.1f} ms, max {result['max_ms']:.1f} ms "
          f"over {len(times)} runs ({args.warmup} warm-up), CPU time {result['median_cpu_ms']:.0f} ms per run (median); detections {detections}; "
          f"peak RSS {result['peak_rss_mb']:.0f} MiB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
