"""Times torchvision 0.14's CPU nms on the boxes NmsBenchmarks uses (4,000 boxes, IoU 0.7, one thread).

    /usr/bin/python3 bench/ops/nms_torchvision.py
"""
import os
import sys
import time

import torch
import torchvision

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from fixture_io import load  # noqa: E402

torch.set_num_threads(1)
t = load(os.path.join(ROOT, "tests", "fixtures", "ops", "nms_cases.safetensors"))
boxes, scores = t["big_boxes"], t["big_scores"]
classes = torch.arange(boxes.shape[0]) % 80


def best_of(fn, repeats=30):
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3, times[0] * 1e3


for name, fn in [
    ("nms", lambda: torchvision.ops.nms(boxes, scores, 0.7)),
    ("batched_nms (80 classes)", lambda: torchvision.ops.batched_nms(boxes, scores, classes, 0.7)),
]:
    median, best = best_of(fn)
    print(f"torchvision {torchvision.__version__} {name}: median {median:.2f} ms, best {best:.2f} ms")
