#!/usr/bin/python3
"""Loss curves of runs side by side in one picture (docs/training.md, "From ImageNet or from scratch").

Usage: plot_loss_curves.py OUT.png "TITLE=LABEL:RUN_DIR,LABEL:RUN_DIR" ["TITLE=..." ...]
Each panel plots the total training loss of its runs from their metrics.jsonl (smoothed over 5 logged points,
raw points faint) against the iteration, and marks each validation's segm AP50 on a second axis.
Needs matplotlib (Debian: python3-matplotlib); CI does not run it.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def read(run):
    train, evals = [], []
    with open(f"{run}/metrics.jsonl") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            if o["type"] == "train" and o["loss"] is not None:
                train.append((o["iteration"], o["loss"]))
            elif o["type"] == "eval":
                evals.append((o["iteration"], o["metrics"]["segm_AP50"]))
    return train, evals


def smooth(values, k=5):
    out = []
    for i in range(len(values)):
        window = values[max(0, i - k + 1): i + 1]
        out.append(sum(window) / len(window))
    return out


def main():
    out, panels = sys.argv[1], sys.argv[2:]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        title, runs = panel.split("=", 1)
        ap_axis = ax.twinx()
        for n, spec in enumerate(runs.split(",")):
            label, run = spec.split(":", 1)
            train, evals = read(run)
            color = f"C{n}"
            its, losses = [t[0] for t in train], [t[1] for t in train]
            ax.plot(its, losses, color=color, alpha=0.25, linewidth=0.8)
            ax.plot(its, smooth(losses), color=color, label=f"{label}: loss")
            if evals:
                ap_axis.plot([e[0] for e in evals], [e[1] for e in evals], "o--", color=color, label=f"{label}: segm AP50")
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.set_ylabel("total training loss")
        ax.set_yscale("log")
        ap_axis.set_ylabel("validation segm AP50")
        ap_axis.set_ylim(0, 1)
        lines = ax.get_legend_handles_labels()
        ap_lines = ap_axis.get_legend_handles_labels()
        ax.legend(lines[0] + ap_lines[0], lines[1] + ap_lines[1], fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
