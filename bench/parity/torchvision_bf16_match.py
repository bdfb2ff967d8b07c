"""What bf16 does to torchvision's own seeded maskrcnn_resnet50_fpn: the reference for judging our bf16 path.

torch 1.13's CPU autocast cannot run torchvision 0.14's detection model (its nms has no BFloat16 kernel), so this
applies autocast's rule by hand, as our Bf16LayerConversion does: every Conv2d, ConvTranspose2d and Linear (or those under
one module prefix) gets bfloat16 weights, its input cast to bfloat16 and its output back to float32. Then it
counts how many fp32 detections the bf16 run reproduces (same label, box IoU >= 0.9, one-to-one) on the photo.

Run: /usr/bin/python3 bench/parity/torchvision_bf16_match.py [--image bench/data/photo.jpg]
"""
import argparse
import copy
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "onnx"))
from seeded_maskrcnn import build_model, load_image  # noqa: E402
from match_predictions import match  # noqa: E402


def bf16_layers(model, prefix=""):
    for name, module in model.named_modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)) and name.startswith(prefix):
            module.to(torch.bfloat16)
            module.register_forward_pre_hook(lambda m, inputs: tuple(i.to(torch.bfloat16) for i in inputs))
            module.register_forward_hook(lambda m, inputs, output: output.float())


def matched(a, b, min_iou=0.9):
    """The same one-to-one rule as match_predictions.py (same label, box IoU >= min_iou)."""
    return match((a["boxes"].double(), a["labels"], a["scores"]), (b["boxes"].double(), b["labels"], b["scores"]), min_iou)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=os.path.join(HERE, "..", "data", "photo.jpg"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = build_model()
    image = load_image(args.image)
    with torch.no_grad():
        reference = model([image])[0]
        for prefix, what in [("", "every conv and linear"), ("backbone.body", "the ResNet body only"),
                             ("roi_heads", "the RoI heads only")]:
            converted = copy.deepcopy(model)
            bf16_layers(converted, prefix)
            start = time.time()
            out = converted([image])[0]
            print(f"bf16 in {what}: {matched(reference, out)}/{len(reference['boxes'])} fp32 detections matched "
                  f"({time.time() - start:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
