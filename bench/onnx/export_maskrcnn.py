"""Exports the seeded Mask R-CNN (see seeded_maskrcnn.py) for the end-to-end ONNX Runtime comparison.

Writes to OUT_DIR (default /tmp/maskrcnn-bench; these files are large and not committed):
  maskrcnn_seed0.pth           torch.save(state_dict)
  maskrcnn_seed0.safetensors   the same tensors, for MaskRcnn.Weights.SafeTensors.Load
  maskrcnn.onnx                the whole model, GeneralizedRCNNTransform included: input "images_tensors"
                               float32 [3,H,W] in [0,1] (dynamic H and W), outputs boxes, labels, scores, masks
  reference_outputs.safetensors  torchvision's own outputs on the image, to check any other runtime against
  thresholds.json              the settings (score threshold etc.) the other side must use

The export follows torchvision's test_onnx.py test_mask_rcnn: opset 11, a list of one image as input, dynamic
axes on the image and on every output. Opset 11 also keeps RoiAlign's pre-16 semantics, which are
torchvision's aligned=False used by MultiScaleRoIAlign (opset 16's default would be half-pixel, i.e.
aligned=True).

Run: /usr/bin/python3 bench/onnx/export_maskrcnn.py [OUT_DIR] [--image bench/data/photo.jpg] [--score-thresh 0.05]
(--score-thresh is the RoI heads' box score threshold baked into the graph: 0.05 is torchvision's default, 0 the
parity setting of seeded_maskrcnn.py.)
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures"))
from fixture_io import save  # noqa: E402
from seeded_maskrcnn import DEFAULT_SCORE_THRESH, build_model, load_image, thresholds  # noqa: E402

OPSET = 11


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir", nargs="?", default="/tmp/maskrcnn-bench")
    parser.add_argument("--image", default=os.path.join(HERE, "..", "data", "photo.jpg"))
    parser.add_argument("--score-thresh", type=float, default=DEFAULT_SCORE_THRESH)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    model = build_model(args.score_thresh)
    state = model.state_dict()
    torch.save(state, os.path.join(args.out_dir, "maskrcnn_seed0.pth"))
    save(state, os.path.join(args.out_dir, "maskrcnn_seed0.safetensors"),
         metadata={"source": "torchvision 0.14.1 maskrcnn_resnet50_fpn, torch.manual_seed(0), weights=None"})

    image = load_image(args.image)
    with torch.no_grad():
        ref = model([image])[0]
    print(f"torchvision on {args.image} {tuple(image.shape)}: {ref['boxes'].shape[0]} detections, "
          f"masks {tuple(ref['masks'].shape)}")
    save({k: v for k, v in ref.items()}, os.path.join(args.out_dir, "reference_outputs.safetensors"),
         metadata={"image": os.path.basename(args.image)})
    with open(os.path.join(args.out_dir, "thresholds.json"), "w") as f:
        json.dump(thresholds(model), f, indent=2)

    onnx_path = os.path.join(args.out_dir, "maskrcnn.onnx")
    start = time.time()
    torch.onnx.export(
        model, ([image],), onnx_path, opset_version=OPSET, do_constant_folding=True,
        input_names=["images_tensors"], output_names=["boxes", "labels", "scores", "masks"],
        dynamic_axes={"images_tensors": [0, 1, 2], "boxes": [0, 1], "labels": [0], "scores": [0],
                      "masks": [0, 1, 2, 3]})
    print(f"exported {onnx_path} ({os.path.getsize(onnx_path) / 2**20:.1f} MiB) in {time.time() - start:.0f} s")

    import onnx
    onnx.checker.check_model(onnx_path)
    print("onnx.checker: ok")


if __name__ == "__main__":
    main()
