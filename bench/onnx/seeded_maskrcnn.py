"""The benchmark's model, shared by the export and the torchvision timing scripts.

torchvision 0.14.1's maskrcnn_resnet50_fpn with random weights from torch.manual_seed(0), 91 classes, eval mode.
Without pretrained weights torchvision builds the backbone with plain BatchNorm2d (not FrozenBatchNorm2d), so
the state dict has `num_batches_tracked` buffers; in eval mode both norms compute the same affine map.

Random weights score every class near 1/91 ~ 0.011, below the default box_score_thresh of 0.05. The parity
scripts use SCORE_THRESH = 0.0, which keeps all candidates: after per-class NMS the top detections_per_img = 100
survive, and the mask head runs on 100 boxes as with a real, busy image. Speed comparisons are stated first at
torchvision's default, DEFAULT_SCORE_THRESH = 0.05 (build_model(DEFAULT_SCORE_THRESH)): with 0.0 the exported
graph's NMS sorts ~90,000 class boxes, which inflates ONNX Runtime's time. Every other threshold is torchvision's
default.
"""
import torch
import torchvision

SEED = 0
NUM_CLASSES = 91
SCORE_THRESH = 0.0
DEFAULT_SCORE_THRESH = 0.05


def build_model(score_thresh=SCORE_THRESH):
    torch.manual_seed(SEED)
    model = torchvision.models.detection.maskrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=NUM_CLASSES)
    model.roi_heads.score_thresh = score_thresh
    return model.eval()


def thresholds(model):
    """The settings the C# side must use to run the same computation."""
    rpn, roi, tr = model.rpn, model.roi_heads, model.transform
    return {
        "seed": SEED,
        "num_classes": NUM_CLASSES,
        "min_size": tr.min_size[0],
        "max_size": tr.max_size,
        "image_mean": tr.image_mean,
        "image_std": tr.image_std,
        "rpn_pre_nms_top_n_test": rpn._pre_nms_top_n["testing"],
        "rpn_post_nms_top_n_test": rpn._post_nms_top_n["testing"],
        "rpn_nms_thresh": rpn.nms_thresh,
        "rpn_score_thresh": rpn.score_thresh,
        "box_score_thresh": roi.score_thresh,
        "box_nms_thresh": roi.nms_thresh,
        "box_detections_per_img": roi.detections_per_img,
    }


def load_image(path):
    """float32 [3,H,W] in [0,1], decoded by PIL as torchvision's datasets do."""
    from PIL import Image
    import numpy as np
    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(img.copy()).permute(2, 0, 1).float().div(255)
