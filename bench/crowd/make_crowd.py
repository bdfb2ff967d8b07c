#!/usr/bin/env python3
"""A synthetic crowded scene for memory measurements: one 1000x1000 RGB PNG with 1,000 discs (a 40 x 25 grid, each
disc a polygon in a COCO instances file). Standard library only.

    python3 bench/crowd/make_crowd.py OUT_DIR   ->  OUT_DIR/images/crowd.png, OUT_DIR/crowd.json
"""
import json, math, os, struct, sys, zlib

W = H = 1000
COLS, ROWS = 40, 25          # 1,000 cells of 25 x 40 pixels
RADIUS = 10.5


def png(path, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main(out):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    cw, ch = W / COLS, H / ROWS
    centres = [((c + 0.5) * cw, (r + 0.5) * ch) for r in range(ROWS) for c in range(COLS)]
    rows = []
    for y in range(H):
        row = bytearray()
        for x in range(W):
            c, r = int(x / cw), int(y / ch)
            cx, cy = centres[r * COLS + c]
            inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= RADIUS ** 2
            row += bytes((220, 180, 60)) if inside else bytes((40 + x % 50, 40 + y % 50, 90))
        rows.append(row)
    png(os.path.join(out, "images", "crowd.png"), rows)
    annotations = []
    for i, (cx, cy) in enumerate(centres):
        polygon = []
        for k in range(24):
            a = 2 * math.pi * k / 24
            polygon += [round(cx + RADIUS * math.cos(a), 2), round(cy + RADIUS * math.sin(a), 2)]
        annotations.append({"id": i + 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": math.pi * RADIUS ** 2,
                            "bbox": [cx - RADIUS, cy - RADIUS, 2 * RADIUS, 2 * RADIUS], "segmentation": [polygon]})
    with open(os.path.join(out, "crowd.json"), "w") as f:
        json.dump({"images": [{"id": 1, "file_name": "crowd.png", "width": W, "height": H}],
                   "categories": [{"id": 1, "name": "disc"}], "annotations": annotations}, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "crowd")
