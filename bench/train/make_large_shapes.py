"""A small COCO-format dataset of 816x600 synthetic images (random ellipses and rectangles, polygon annotations)
for timing one R50-FPN training iteration at torchvision's default input size: the transform scales 600 px to
800 px, so the network sees 800x1088 like the inference benchmark's photo. Not committed; regenerate with

    /usr/bin/python3 bench/train/make_large_shapes.py [OUT_DIR] [--count 8]   # default /tmp/maskrcnn-bench/large-shapes
"""
import argparse
import json
import math
import os
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 816, 600
CATEGORIES = [{"id": 1, "name": "rectangle", "supercategory": "shape"}, {"id": 2, "name": "ellipse", "supercategory": "shape"}]


def polygon(kind, cx, cy, rx, ry):
    if kind == 1:
        return [(cx - rx, cy - ry), (cx + rx, cy - ry), (cx + rx, cy + ry), (cx - rx, cy + ry)]
    return [(cx + rx * math.cos(2 * math.pi * k / 32), cy + ry * math.sin(2 * math.pi * k / 32)) for k in range(32)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", default="/tmp/maskrcnn-bench/large-shapes")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    images, annotations = [], []
    for i in range(args.count):
        image = Image.new("RGB", (WIDTH, HEIGHT), tuple(rng.randint(0, 90) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        # Non-overlapping placement keeps every polygon an exact description of its visible mask.
        placed = []
        for _ in range(rng.randint(3, 8)):
            for _ in range(50):
                rx, ry = rng.uniform(25, 120), rng.uniform(25, 120)
                cx, cy = rng.uniform(rx + 2, WIDTH - rx - 2), rng.uniform(ry + 2, HEIGHT - ry - 2)
                if all(abs(cx - x) > rx + qx + 4 or abs(cy - y) > ry + qy + 4 for x, y, qx, qy in placed):
                    break
            else:
                continue
            placed.append((cx, cy, rx, ry))
            kind = rng.randint(1, 2)
            points = polygon(kind, cx, cy, rx, ry)
            draw.polygon(points, fill=tuple(rng.randint(120, 255) for _ in range(3)))
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            annotations.append({
                "id": len(annotations) + 1, "image_id": i + 1, "category_id": kind, "iscrowd": 0,
                "segmentation": [[round(v, 2) for p in points for v in p]],
                "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                "area": (math.pi if kind == 2 else 4.0) * rx * ry,
            })
        name = f"{i + 1:04d}.png"
        image.save(os.path.join(args.out, "images", name))
        images.append({"id": i + 1, "file_name": name, "width": WIDTH, "height": HEIGHT})
    with open(os.path.join(args.out, "annotations.json"), "w") as f:
        json.dump({"images": images, "annotations": annotations, "categories": CATEGORIES}, f)
    print(f"wrote {args.count} images, {len(annotations)} instances to {args.out}")


if __name__ == "__main__":
    main()
