// The page of `maskrcnn serve`: upload an image to POST v1/predict (all detections the model keeps), then draw and
// list those at or above the slider's score. Plain browser JavaScript, no build step.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  // Colours by rank; replaced by the overlay PNG's own (Visualization/InstancePalette.cs) from v1/model.
  let palette = ["#e6194b", "#3cb44b", "#0082c8", "#f58230"];
  const state = { image: null, results: [], masks: [], drawn: 0 };
  window.maskrcnnPage = state; // for tests and the curious

  fetch(base + "v1/model").then(r => r.json()).then(m => {
    $("model").textContent = `${m.architecture} · classes: ${m.classes.map(c => c.name).join(", ")}`;
    setThreshold(m.score_threshold);
    palette = m.palette;
  }).catch(() => { $("model").textContent = "model description unavailable"; });

  function setThreshold(t) {
    $("threshold").value = t;
    $("threshold-value").textContent = Number(t).toFixed(2);
  }

  function status(text, error) {
    $("status").textContent = text;
    $("status").className = error ? "error" : "";
  }

  // COCO's compressed RLE string (pycocotools maskApi rleFrString) to run lengths.
  function decodeCounts(s) {
    const counts = [];
    let p = 0;
    while (p < s.length) {
      let x = 0, k = 0, more = 1, c = 0;
      while (more) {
        c = s.charCodeAt(p++) - 48;
        x |= (c & 0x1f) << (5 * k);
        more = c & 0x20;
        k++;
        if (!more && (c & 0x10)) x |= -1 << (5 * k);
      }
      if (counts.length > 2) x += counts[counts.length - 2];
      counts.push(x);
    }
    return counts;
  }

  // Runs are column-major (x outer, y inner), starting with background; the result is row-major 0/1.
  function decodeMask(rle) {
    const [h, w] = rle.size, mask = new Uint8Array(h * w), counts = decodeCounts(rle.counts);
    let i = 0, area = 0;
    counts.forEach((n, j) => {
      if (j % 2 === 1) for (let k = i; k < i + n; k++) { mask[(k % h) * w + Math.floor(k / h)] = 1; area++; }
      i += n;
    });
    return { mask, area };
  }

  function visible() {
    const t = Number($("threshold").value);
    return state.results.map((r, i) => ({ r, m: state.masks[i] })).filter(x => x.r.score >= t);
  }

  function draw() {
    const img = state.image, w = img.naturalWidth, h = img.naturalHeight;
    // Masks are blended at the image's own size, then the whole is shown enlarged when the image is small, with
    // boxes and captions drawn at display size so they stay crisp and legible (as the overlay PNG's scale does).
    const base = document.createElement("canvas");
    base.width = w;
    base.height = h;
    const bctx = base.getContext("2d");
    bctx.drawImage(img, 0, 0);
    const shown = visible(), pixels = bctx.getImageData(0, 0, w, h);
    shown.forEach(({ m }, rank) => {
      const [cr, cg, cb] = rgb(palette[rank % palette.length]);
      for (let p = 0; p < m.mask.length; p++) if (m.mask[p]) {
        const q = 4 * p;
        pixels.data[q] = 0.55 * pixels.data[q] + 0.45 * cr;
        pixels.data[q + 1] = 0.55 * pixels.data[q + 1] + 0.45 * cg;
        pixels.data[q + 2] = 0.55 * pixels.data[q + 2] + 0.45 * cb;
      }
    });
    bctx.putImageData(pixels, 0, 0);
    const scale = Math.max(1, Math.min(4, 640 / Math.max(w, h)));
    const canvas = $("overlay"), ctx = canvas.getContext("2d");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    state.scale = scale;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(base, 0, 0, canvas.width, canvas.height);
    const size = Math.max(12, Math.min(canvas.width, canvas.height) / 40);
    ctx.font = `${size}px sans-serif`;
    ctx.lineWidth = 2;
    shown.forEach(({ r }, rank) => {
      const color = palette[rank % palette.length], [x, y, bw, bh] = r.bbox.map(v => v * scale);
      ctx.strokeStyle = color;
      ctx.strokeRect(x + 1, y + 1, Math.max(0, bw - 2), Math.max(0, bh - 2));
      const caption = `${r.category_name} ${r.score.toFixed(2)}`, tw = ctx.measureText(caption).width + 6;
      const cx = Math.min(Math.max(0, x), canvas.width - tw), cy = y - size - 4 >= 0 ? y - size - 4 : y;
      ctx.fillStyle = color;
      ctx.fillRect(cx, cy, tw, size + 4);
      ctx.fillStyle = luminance(color) > 0.5 ? "#000" : "#fff";
      ctx.fillText(caption, cx + 3, cy + size);
    });
    state.drawn = shown.length;
    table(shown);
    $("count").textContent = `${shown.length} of ${state.results.length} instance(s)`;
  }

  function table(shown) {
    const body = $("instances").tBodies[0];
    body.replaceChildren(...shown.map(({ r, m }, rank) => {
      const [x, y, w, h] = r.bbox, tr = document.createElement("tr");
      const cells = [String(rank + 1), r.category_name, r.score.toFixed(3),
        `[${[x, y, x + w, y + h].map(v => v.toFixed(1)).join(", ")}]`, String(m.area)];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        if (i === 1) {
          const swatch = document.createElement("span");
          swatch.className = "swatch";
          swatch.style.background = palette[rank % palette.length];
          td.append(swatch);
        }
        td.append(text);
        tr.append(td);
      });
      return tr;
    }));
  }

  function rgb(hex) { return [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)); }
  function luminance(hex) { const [r, g, b] = rgb(hex); return (0.299 * r + 0.587 * g + 0.114 * b) / 255; }

  async function upload(file) {
    if (!file) return;
    status(`predicting ${file.name}…`);
    const form = new FormData();
    form.append("image", file, file.name);
    try {
      // Threshold 0: everything the model keeps; the slider filters here, without asking the server again.
      const response = await fetch(base + "v1/predict?score_threshold=0", { method: "POST", body: form });
      const body = await response.json();
      if (!response.ok) { status(`${response.status}: ${body.error}`, true); return; }
      const img = new Image();
      img.src = URL.createObjectURL(file);
      await img.decode();
      state.image = img;
      state.results = body;
      state.masks = body.map(r => decodeMask(r.segmentation));
      const link = $("download");
      if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([JSON.stringify(body)], { type: "application/json" }));
      link.download = file.name.replace(/\.[^.]*$/, "") + ".json";
      $("result").hidden = false;
      status(`${file.name}: ${img.naturalWidth}×${img.naturalHeight}, ${response.headers.get("Server-Timing") || ""}`);
      draw();
    } catch (e) {
      status(`request failed: ${e.message}`, true);
    }
  }

  $("file").addEventListener("change", e => upload(e.target.files[0]));
  $("threshold").addEventListener("input", e => {
    $("threshold-value").textContent = Number(e.target.value).toFixed(2);
    if (state.image) draw();
  });
  const drop = $("drop");
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files[0]); });
})();
