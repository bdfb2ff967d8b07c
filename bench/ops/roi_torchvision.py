"""Times torchvision 0.14's MultiScaleRoIAlign and paste_masks_in_image on the shapes of
bench/MaskRcnn.Benchmarks/RoiAlignBenchmarks.cs, with 2 threads as the C# side.

    /usr/bin/python3 bench/ops/roi_torchvision.py
"""
import math
import time
from collections import OrderedDict

import torch
import torchvision
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.ops import MultiScaleRoIAlign

torch.set_num_threads(2)
torch.manual_seed(0)
IMAGE_H, IMAGE_W = 800, 1088


def random_boxes(n):
    # Same distribution as the C# benchmark: centres uniform in the image, sides log-uniform in [16, 512].
    cx = torch.rand(n) * IMAGE_W
    cy = torch.rand(n) * IMAGE_H
    w = torch.exp(torch.rand(n) * (math.log(512) - math.log(16)) + math.log(16))
    h = torch.exp(torch.rand(n) * (math.log(512) - math.log(16)) + math.log(16))
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


def timeit(fn, warmup=3, runs=15):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1000, sum(times) / len(times) * 1000


def main():
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, threads {torch.get_num_threads()}")
    feats = OrderedDict(
        (name, torch.randn(1, 256, IMAGE_H // s, IMAGE_W // s)) for name, s in zip(["p2", "p3", "p4", "p5"], (4, 8, 16, 32))
    )
    boxes = [random_boxes(1000)]
    pooler = MultiScaleRoIAlign(list(feats.keys()), output_size=7, sampling_ratio=2)
    with torch.no_grad():
        med, mean = timeit(lambda: pooler(feats, boxes, [(IMAGE_H, IMAGE_W)]))
    print(f"MultiScaleRoIAlign forward, 1000 RoIs x 256 ch -> 7x7, P2-P5: median {med:.1f} ms (mean {mean:.1f})")

    leaves = OrderedDict((k, v.clone().requires_grad_(True)) for k, v in feats.items())
    grad = torch.randn(1000, 256, 7, 7)

    def forward_backward():
        for v in leaves.values():
            v.grad = None
        pooler(leaves, boxes, [(IMAGE_H, IMAGE_W)]).backward(grad)

    med, mean = timeit(forward_backward, warmup=2, runs=7)
    print(f"MultiScaleRoIAlign forward+backward: median {med:.1f} ms (mean {mean:.1f})")

    masks = torch.rand(100, 1, 28, 28)
    # Detections are clipped to the image before pasting, as torchvision's postprocess does.
    pboxes = random_boxes(100)
    pboxes[:, 0::2] = pboxes[:, 0::2].clamp(0, IMAGE_W - 1)
    pboxes[:, 1::2] = pboxes[:, 1::2].clamp(0, IMAGE_H - 1)
    with torch.no_grad():
        med, mean = timeit(lambda: paste_masks_in_image(masks, pboxes, (IMAGE_H, IMAGE_W)))
    print(f"paste_masks_in_image, 100 x 28x28 into 800x1088: median {med:.1f} ms (mean {mean:.1f})")


if __name__ == "__main__":
    main()
