"""Times training iterations and profiles their memory through `maskrcnn train` itself: N iterations with a metrics
line after every one (metrics.jsonl's "time" and "rss_mb"), the process's peak RSS from GNU time's maximum resident
set. Reports the median seconds per iteration after the first few (allocator and oneDNN warm-up) and the RSS range.

    /usr/bin/python3 bench/train/time_training.py OUT_DIR --iterations N [--skip 3] -- <maskrcnn train options>

The two cases of the performance issue (data from the demo and bench/train/make_large_shapes.py):
    shapes config, batch 2:  ... -- --train-images D/images --train-annotations D/annotations.json \\
                                    --config docs/configs/shapes-r18-fpn.json --batch-size 2
    R50-FPN 800x1088, batch 1: ... -- --train-images L/images --train-annotations L/annotations.json \\
                                    --weights maskrcnn_seed0.safetensors --batch-size 1
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, "src", "MaskRcnn.Cli", "bin", "Release", "net10.0", "maskrcnn")


def main():
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--skip", type=int, default=3, help="first iterations left out of the median")
    args = parser.parse_args(argv[:split])
    train_args = argv[split + 1:]
    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out} is not empty; give a new folder")
    cmd = ["/usr/bin/time", "-f", "max_rss_kb %M", CLI, "train", *train_args, "--output", args.out,
           "--iterations", str(args.iterations), "--log-every", "1", "--checkpoint-every", str(10 ** 6)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    peak_kb = int(next(l for l in done.stderr.splitlines() if l.startswith("max_rss_kb")).split()[1])
    rows = [json.loads(l) for l in open(os.path.join(args.out, "metrics.jsonl")) if '"train"' in l]
    times = [b["time"] - a["time"] for a, b in zip(rows, rows[1:])][args.skip:]
    rss = [r["rss_mb"] for r in rows[args.skip:]]
    print(f"{len(times)} timed iterations: median {statistics.median(times):.3f} s (min {min(times):.3f}, "
          f"max {max(times):.3f}); RSS after each {min(rss):.0f}-{max(rss):.0f} MiB; peak RSS {peak_kb / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
