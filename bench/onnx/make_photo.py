"""Writes bench/data/photo.jpg, the end-to-end benchmark's input, from scikit-image's "coffee" photo.

Source: /usr/lib/python3/dist-packages/skimage/data/coffee.png (Debian package python3-skimage), a 600x400
photograph by Rachel Michetti, courtesy of Pikolo Espresso Bar, CC0. It is scaled by 1.5 (bicubic) and
centre-cropped to 816x600 (W x H): GeneralizedRCNNTransform (min_size 800, max_size 1333) then scales it by
800/600 to exactly 1088x800, a multiple of 32, so the padded batch is 800x1088 with no padding.

Run: /usr/bin/python3 bench/onnx/make_photo.py [out.jpg]
"""
import os
import sys

from PIL import Image

SOURCE = "/usr/lib/python3/dist-packages/skimage/data/coffee.png"
WIDTH, HEIGHT = 816, 600


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data", "photo.jpg")
    img = Image.open(SOURCE).convert("RGB")
    img = img.resize((img.width * 3 // 2, img.height * 3 // 2), Image.BICUBIC)
    left = (img.width - WIDTH) // 2
    img = img.crop((left, 0, left + WIDTH, HEIGHT))
    img.save(out, "JPEG", quality=90)
    print(f"{out}: {img.width}x{img.height}, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
