"""A folder of varied photos for the memory check of `maskrcnn benchmark --input DIR` (issue: no RSS growth after
the third of 50 images). Seeded random crops and scales of scikit-image's colour photos (Debian's python3-skimage,
public-domain/CC0 images), so the images differ in content and in size (every size is a new set of convolution
shapes for oneDNN). Not committed: regenerate with

    /usr/bin/python3 bench/onnx/make_folder.py [OUT_DIR] [--count 50]      # default /tmp/maskrcnn-bench/folder50
"""
import argparse
import os
import random

from PIL import Image

SOURCES = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg",
           "immunohistochemistry.png", "retina.jpg", "color.png", "logo.png"]
DATA = "/usr/lib/python3/dist-packages/skimage/data"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", default="/tmp/maskrcnn-bench/folder50")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    photos = [Image.open(os.path.join(DATA, name)).convert("RGB") for name in SOURCES if os.path.exists(os.path.join(DATA, name))]
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        photo = photos[i % len(photos)]
        scale = rng.uniform(1.0, 2.0)
        big = photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.BICUBIC)
        w = rng.randint(min(480, big.width), min(1024, big.width))
        h = rng.randint(min(360, big.height), min(768, big.height))
        x, y = rng.randint(0, big.width - w), rng.randint(0, big.height - h)
        big.crop((x, y, x + w, y + h)).save(os.path.join(args.out, f"{i + 1:03d}.jpg"), quality=90)
    print(f"wrote {args.count} images ({len(photos)} source photos) to {args.out}")


if __name__ == "__main__":
    main()
