"""How many of one run's detections another run reproduces: the bf16 criterion of the performance issue
("same label, box IoU >= 0.9"). Inputs are two `maskrcnn predict` output folders (<stem>.json COCO results per
image) or two `maskrcnn benchmark --save-detections` safetensors files. Each reference detection takes the
best-IoU unmatched candidate of the same label; reports matched / reference count, per image and in total.

Run: /usr/bin/python3 bench/parity/match_predictions.py REFERENCE OTHER [--iou 0.9] [--min-score 0]
"""
import argparse
import glob
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures"))


def load(path, min_score):
    """{image key: (boxes xyxy [N,4], labels [N], scores [N])}"""
    if os.path.isdir(path):
        out = {}
        for f in sorted(glob.glob(os.path.join(path, "*.json"))):
            dets = [d for d in json.load(open(f)) if d["score"] >= min_score]
            boxes = torch.tensor([[d["bbox"][0], d["bbox"][1], d["bbox"][0] + d["bbox"][2], d["bbox"][1] + d["bbox"][3]]
                                  for d in dets], dtype=torch.float64).reshape(-1, 4)
            out[os.path.basename(f)] = (boxes, torch.tensor([d["category_id"] for d in dets]),
                                        torch.tensor([d["score"] for d in dets]))
        return out
    import fixture_io
    t = fixture_io.load(path)
    keep = t["scores"] >= min_score
    return {"detections": (t["boxes"][keep].double(), t["labels"][keep], t["scores"][keep])}


def match(ref, other, min_iou):
    (rb, rl, _), (ob, ol, _) = ref, other
    if len(rb) == 0 or len(ob) == 0:
        return 0
    iou = torchvision.ops.box_iou(rb, ob)
    candidate = (rl[:, None] == ol[None, :]) & (iou >= min_iou)
    taken, n = set(), 0
    for r in range(len(rb)):
        for o in torch.argsort(iou[r], descending=True).tolist():
            if candidate[r, o] and o not in taken:
                taken.add(o)
                n += 1
                break
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--iou", type=float, default=0.9)
    parser.add_argument("--min-score", type=float, default=0.0, help="ignore detections scoring below this on both sides")
    args = parser.parse_args()
    ref, other = load(args.reference, args.min_score), load(args.other, args.min_score)
    missing = sorted(set(ref) ^ set(other))
    if missing:
        sys.exit(f"the two runs cover different images: {missing[:5]}")
    total = matched = 0
    for key in ref:
        n = match(ref[key], other[key], args.iou)
        total += len(ref[key][0])
        matched += n
        if n < len(ref[key][0]):
            print(f"{key}: {n}/{len(ref[key][0])} matched ({len(other[key][0])} on the other side)")
    print(f"matched {matched}/{total} = {matched / max(total, 1):.1%} (same label, box IoU >= {args.iou}) over {len(ref)} images")


if __name__ == "__main__":
    main()
