#!/usr/bin/python3
"""Time pycocotools' COCOeval on the files written by `MaskRcnn.Benchmarks coco-eval-dump DIR`.

usage: PYTHONPATH=<dir holding the pycocotools package> time_pycocotools.py DIR [REPEATS]

Loads DIR/ground_truth.json with COCO() and DIR/results.json with loadRes() once (timed apart), then times
evaluate() + accumulate() + summarize() for bbox and segm REPEATS times each on those loaded objects: the
same work as MaskRcnn's CocoEvaluator.Evaluate on already-parsed objects. Prints best and median, writes
DIR/pycocotools.json, and compares the 12 stats with DIR/ours.json when present.
"""
import contextlib, io, json, os, statistics, sys, time
import numpy as np
import pycocotools
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

directory = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
print(f"pycocotools from {os.path.dirname(pycocotools.__file__)}, numpy {np.__version__}")
print(f"load average at start: {os.getloadavg()}")

quiet = contextlib.redirect_stdout(io.StringIO())
tic = time.perf_counter()
with quiet:
    gt = COCO(os.path.join(directory, "ground_truth.json"))
    dt = gt.loadRes(os.path.join(directory, "results.json"))
load_seconds = time.perf_counter() - tic
print(f"COCO() + loadRes(): {load_seconds:.2f} s")

# segm evaluation replaces each ground-truth polygon by its RLE in place (COCOeval._prepare); restore the
# polygons before every run so each one rasterizes them, as the first run (and our evaluator) does.
polygons = {a["id"]: a["segmentation"] for a in gt.dataset["annotations"]}

report = {"load_seconds": load_seconds}
for iou_type in ("bbox", "segm"):
    seconds = []
    for _ in range(repeats):
        for a in gt.dataset["annotations"]:
            a["segmentation"] = polygons[a["id"]]
        ev = COCOeval(gt, dt, iou_type)
        tic = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        seconds.append(time.perf_counter() - tic)
    seconds.sort()
    print(f"{iou_type}: best {seconds[0]:.2f} s, median {statistics.median(seconds):.2f} s over {repeats} runs; "
          f"AP {ev.stats[0]:.6f}; load average {os.getloadavg()[0]:.1f}")
    report[iou_type] = {"stats": [float(s) for s in ev.stats], "seconds": seconds}

with open(os.path.join(directory, "pycocotools.json"), "w") as f:
    json.dump(report, f, indent=1)

ours_path = os.path.join(directory, "ours.json")
if os.path.exists(ours_path):
    ours = json.load(open(ours_path))
    for iou_type in ("bbox", "segm"):
        diff = max(abs(a - b) for a, b in zip(ours[iou_type]["stats"], report[iou_type]["stats"]))
        print(f"{iou_type}: largest |ours - pycocotools| over the 12 stats = {diff:.3g}")
