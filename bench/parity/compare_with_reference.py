"""Full-model parity: our detections against torchvision's on the same image and weights.

Inputs: the safetensors that `maskrcnn benchmark --save-detections OUT` writes (boxes, scores, labels, masks and
the image tensor it ran on) and torchvision's outputs for the seeded maskrcnn_resnet50_fpn (bench/onnx's
reference_outputs.safetensors: boxes, scores, labels, masks). Detections are matched one-to-one: same label,
box IoU >= 0.999 and |score difference| <= 1e-4, each reference detection taking the best-IoU unmatched candidate.
For matched pairs it reports the IoU of the masks binarised at 0.5 and the largest box, score and mask differences.
With --photo it first checks that our decoded image equals PIL's decode (what torchvision was fed).

Run: /usr/bin/python3 bench/parity/compare_with_reference.py OURS.safetensors REFERENCE.safetensors [--photo IMG]
"""
import argparse
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures"))
import fixture_io  # noqa: E402

BOX_IOU = 0.999
SCORE_TOL = 1e-4


def match(ours, ref):
    iou = torchvision.ops.box_iou(ref["boxes"].double(), ours["boxes"].double())
    same_label = ref["labels"][:, None] == ours["labels"][None, :]
    close_score = (ref["scores"][:, None].double() - ours["scores"][None, :].double()).abs() <= SCORE_TOL
    candidate = same_label & close_score & (iou >= BOX_IOU)
    taken = set()
    pairs = []
    for r in range(ref["boxes"].shape[0]):
        for o in torch.argsort(iou[r], descending=True).tolist():
            if candidate[r, o] and o not in taken:
                taken.add(o)
                pairs.append((r, o))
                break
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ours")
    parser.add_argument("reference")
    parser.add_argument("--photo", help="the image file both ran on; checks the decoded pixels agree")
    args = parser.parse_args()
    ours = fixture_io.load(args.ours)
    ref = fixture_io.load(args.reference)

    if args.photo:
        from PIL import Image
        import numpy as np
        pil = torch.from_numpy(np.asarray(Image.open(args.photo).convert("RGB"), dtype=np.uint8).copy())
        pil = pil.permute(2, 0, 1).float().div(255)
        same = pil.shape == ours["image"].shape and torch.equal(pil, ours["image"])
        print(f"input image equals PIL's decode: {same}")

    pairs = match(ours, ref)
    n_ref, n_ours = ref["boxes"].shape[0], ours["boxes"].shape[0]
    print(f"detections: ours {n_ours}, torchvision {n_ref}, matched one-to-one {len(pairs)} "
          f"(same label, box IoU >= {BOX_IOU}, |dscore| <= {SCORE_TOL})")
    if not pairs:
        return
    r_idx = torch.tensor([r for r, _ in pairs])
    o_idx = torch.tensor([o for _, o in pairs])
    box_diff = (ref["boxes"][r_idx] - ours["boxes"][o_idx]).abs().max().item()
    score_diff = (ref["scores"][r_idx] - ours["scores"][o_idx]).abs().max().item()
    ref_masks, our_masks = ref["masks"][r_idx, 0], ours["masks"][o_idx, 0]
    prob_diff = (ref_masks - our_masks).abs().max().item()
    a, b = ref_masks > 0.5, our_masks > 0.5
    inter = (a & b).flatten(1).sum(1).double()
    union = (a | b).flatten(1).sum(1).double()
    mask_iou = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
    print(f"matched pairs: max |dbox| {box_diff:.3g} px, max |dscore| {score_diff:.3g}, max |dmask prob| {prob_diff:.3g}")
    print(f"mask IoU (binarised at 0.5): mean {mask_iou.mean().item():.6f}, min {mask_iou.min().item():.6f}, "
          f"pairs with IoU 1: {(mask_iou == 1).sum().item()}/{len(pairs)}")
    order_same = sum(1 for r, o in pairs if r == o)
    print(f"pairs at the same rank in both lists: {order_same}/{len(pairs)}")
    # IoU >= 0.999 is strict for sub-pixel-wide boxes, where a 1e-3 px difference moves it: show what was missed.
    matched = {r for r, _ in pairs}
    iou = torchvision.ops.box_iou(ref["boxes"].double(), ours["boxes"].double())
    for r in range(n_ref):
        if r in matched:
            continue
        o = iou[r].argmax().item()
        w = (ref["boxes"][r, 2] - ref["boxes"][r, 0]).item()
        print(f"  unmatched torchvision #{r} (label {ref['labels'][r].item()}, score {ref['scores'][r].item():.6f}, "
              f"width {w:.3g} px): nearest ours #{o} label {ours['labels'][o].item()}, box IoU {iou[r, o].item():.6f}, "
              f"max |dbox| {(ref['boxes'][r] - ours['boxes'][o]).abs().max().item():.3g} px, "
              f"|dscore| {abs(ref['scores'][r].item() - ours['scores'][o].item()):.3g}")


if __name__ == "__main__":
    main()
