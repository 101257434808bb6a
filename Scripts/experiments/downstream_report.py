#!/usr/bin/env python3
"""The report of Scripts/experiments/downstream: reads OUT/runs/*/metrics.jsonl (pretraining) and
OUT/ft/*/metrics.jsonl (fine-tuning, one JSON object per epoch; the LAST epoch counts — no model
selection on dev) and writes OUT/downstream.md, OUT/downstream.json and OUT/downstream.svg.
With --update-readme README.md it replaces the text between the downstream markers.

Standard library only.
"""
import glob
import json
import math
import os
import re
import statistics
import sys

BEGIN, END = "<!-- downstream:begin -->", "<!-- downstream:end -->"
# 0.9 × 1M steps × 256 × 128 + 0.1 × 1M × 256 × 512 (BERT's appendix A.2 schedule).
BERT_BASE_POSITIONS = 0.9e6 * 256 * 128 + 0.1e6 * 256 * 512
METRICS = [("accuracy", "dev accuracy"), ("macro_f1", "dev macro-F1"), ("matthews_correlation", "dev MCC")]


def env(name, default=""):
    return os.environ.get(name, default)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def pretraining(out):
    runs = {}
    for d in env("DECODERS", "mlm emd bpdec").split():
        path = os.path.join(out, "runs", d, "metrics.jsonl")
        if not os.path.exists(path):
            continue
        steps = read_jsonl(path)
        # The trainer's report: matmul GFLOP/s × step time = FLOPs of each step (forward + backward).
        flops = sum(s["gflops"] * s["ms_per_step"] / 1000 * 1e9 for s in steps)
        tail = steps[-max(1, len(steps) // 10):]
        runs[d] = {"steps": steps[-1]["step"], "flops": flops, "loss_last10": statistics.fmean(s["loss"] for s in tail),
                   "seconds": sum(s["ms_per_step"] for s in steps) / 1000}
    return runs


def dev_metrics(record):
    """The dev metrics of one metrics.jsonl line, whether flat or under "dev"/"metrics"."""
    for key in ("dev", "metrics", "eval"):
        if isinstance(record.get(key), dict):
            return record[key]
    return record


def finetuning(out):
    cells = {}
    for path in sorted(glob.glob(os.path.join(out, "ft", "*", "metrics.jsonl"))):
        m = re.match(r"(.+)-sift_(on|off)-seed_(\d+)$", os.path.basename(os.path.dirname(path)))
        lines = read_jsonl(path)
        if not m or not lines:
            continue
        last = dev_metrics(lines[-1])
        cells.setdefault((m[1], m[2]), []).append({k: float(last[k]) for k, _ in METRICS if k in last})
    return cells


def mean_sd(values):
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def task():
    return env("TASK", "Corpora/tasks/kjv-book").rstrip("/")


def majority_baseline():
    path = os.path.join(task(), "dev.tsv")
    labels = [l.rstrip("\n").split("\t")[-1] for l in open(path, encoding="utf-8").readlines()[1:]]
    top = max(labels.count(v) for v in set(labels))
    return top / len(labels), len(labels)


def svg(cells, decoders, baseline):
    w, h, left, bottom, top = 560, 300, 60, 40, 30
    plot_h = h - bottom - top
    lo, hi = 0.4, 1.0
    y = lambda v: top + plot_h * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<text x="{w / 2}" y="18" text-anchor="middle">dev accuracy after fine-tuning (mean ± sd over seeds)</text>']
    for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        parts.append(f'<line x1="{left}" x2="{w - 10}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>')
    group = (w - left - 10) / max(1, len(decoders))
    colours = {"off": "#4e79a7", "on": "#f28e2b"}
    for i, d in enumerate(decoders):
        for j, s in enumerate(("off", "on")):
            acc = [r["accuracy"] for r in cells.get((d, s), []) if "accuracy" in r]
            if not acc:
                continue
            m, sd = mean_sd(acc)
            x = left + i * group + group * (0.2 + 0.3 * j)
            parts.append(f'<rect x="{x:.1f}" y="{y(m):.1f}" width="{group * 0.28:.1f}" height="{y(lo) - y(m):.1f}" '
                         f'fill="{colours[s]}"/>')
            cx = x + group * 0.14
            parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(m - sd):.1f}" y2="{y(m + sd):.1f}" stroke="black"/>')
        parts.append(f'<text x="{left + (i + 0.5) * group:.1f}" y="{h - bottom + 16}" text-anchor="middle">{d}</text>')
    parts.append(f'<line x1="{left}" x2="{w - 10}" y1="{y(baseline):.1f}" y2="{y(baseline):.1f}" stroke="#c00" '
                 f'stroke-dasharray="4 3"/><text x="{w - 12}" y="{y(baseline) - 4:.1f}" text-anchor="end" fill="#c00">'
                 f'majority {baseline:.3f}</text>')
    parts.append(f'<rect x="{left + 8}" y="{top + 4}" width="10" height="10" fill="{colours["off"]}"/>'
                 f'<text x="{left + 22}" y="{top + 13}">no SiFT</text>'
                 f'<rect x="{left + 90}" y="{top + 4}" width="10" height="10" fill="{colours["on"]}"/>'
                 f'<text x="{left + 104}" y="{top + 13}">SiFT</text></svg>')
    return "\n".join(parts) + "\n"


def report(out):
    decoders = env("DECODERS", "mlm emd bpdec").split()
    pre = pretraining(out)
    cells = finetuning(out)
    baseline, dev_rows = majority_baseline()
    train_rows = max(0, sum(1 for _ in open(os.path.join(out, "ft-train.tsv"), encoding="utf-8")) - 1) \
        if os.path.exists(os.path.join(out, "ft-train.tsv")) else "?"
    seconds = lambda name: open(os.path.join(out, name)).read().strip() if os.path.exists(os.path.join(out, name)) else "?"
    steps, batch, length = env("STEPS", "200"), env("BATCH", "16"), env("LENGTH", "64")
    lines = [f"### Downstream: mlm vs emd vs bpdec, fine-tuned on the {os.path.basename(task())} task", "",
             f"Pretraining: `{env('MODEL', 'mini')}`, {steps} steps × batch {batch} × length {length} "
             f"(= {int(steps) * int(batch) * int(length):,} token positions), lr {env('LR', '1e-3')}, warmup "
             f"{int(steps) // 10}, linear decay, seed 1, on the bundled tasks' train documents only "
             f"({seconds('pretrain-seconds')} s wall for all three, tokenizing and masking included).", "",
             "| decoder | pretraining FLOPs (trainer's report) | train loss, last 10% | pretraining s |",
             "|---|---:|---:|---:|"]
    for d in decoders:
        if d in pre:
            p = pre[d]
            lines.append(f"| {d} | {p['flops']:.3e} | {p['loss_last10']:.4f} | {p['seconds']:.0f} |")
    ours = int(steps) * int(batch) * int(length)
    lines += ["", f"For scale (the seeds' budgets): BERT-base was pretrained for 1M steps of 256 sequences, 128 "
              f"tokens long for 90% of the steps and 512 for the rest (Devlin et al. 2019, appendix A.2), about "
              f"{BERT_BASE_POSITIONS:.1e} token positions, {BERT_BASE_POSITIONS / ours:,.0f} times this run's; DeBERTa "
              f"on 78 GB of text with 96 V100 GPUs (He et al. 2021); DrBERT/BPDec publish no pretraining recipe. "
              f"This table compares the decoders at the very start of pretraining, not at the seeds' scale."]
    updates = (f"{int(env('EPOCHS', '2')) * -(-int(train_rows) // int(env('FT_BATCH', '32')))} updates per run; "
               if str(train_rows).isdigit() else "")
    lines += ["", f"Fine-tuning: {train_rows or '?'} rows of `{task()}/train.tsv`, {env('EPOCHS', '2')} "
              f"epoch(s) ({updates}with SiFT each update runs three forward and backward passes), batch {env('FT_BATCH', '32')}, lr {env('FT_LR', '5e-4')}, max length "
              f"{env('FT_MAX_LENGTH', '64')}, warmup ratio "
              f"{env('FT_WARMUP', '0.1')}, seeds {env('SEEDS', '1 2 3')}; dev: {dev_rows} rows, majority-class "
              f"baseline accuracy {baseline:.4f} (MCC 0). The last epoch's dev metrics count (no selection on dev); "
              f"{seconds('finetune-seconds')} s wall for all fine-tuning runs.", ""]
    if cells:
        lines += ["| decoder | SiFT | seeds | above majority | " + " | ".join(n for _, n in METRICS) + " |",
                  "|---|---|---:|---:|" + "---:|" * len(METRICS)]
        for d in decoders:
            for s in ("off", "on"):
                rs = cells.get((d, s), [])
                if not rs:
                    continue
                cols = []
                for k, _ in METRICS:
                    m, sd = mean_sd([r[k] for r in rs if k in r])
                    cols.append(f"{m:.4f} ± {sd:.4f}")
                # Runs still answering the majority class (the label prior) are counted apart: they
                # make the sd, and they say more than the mean does.
                above = sum(1 for r in rs if r.get("accuracy", 0) > baseline + 1e-9)
                lines.append(f"| {d} | {s} | {len(rs)} | {above}/{len(rs)} | " + " | ".join(cols) + " |")
    else:
        lines.append("No fine-tuning results in this run (PRETRAIN_ONLY=1).")
    lines += ["", "![dev accuracy per decoder, with and without SiFT](docs/img/downstream.svg)", "",
              "Plot: `docs/img/downstream.svg`. Produced by `Scripts/experiments/downstream`."]
    md = "\n".join(lines) + "\n"
    with open(os.path.join(out, "downstream.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(out, "downstream.svg"), "w", encoding="utf-8") as f:
        f.write(svg(cells, decoders, baseline))
    with open(os.path.join(out, "downstream.json"), "w", encoding="utf-8") as f:
        json.dump({"pretraining": pre, "majority_baseline": baseline,
                   "finetuning": {f"{d}-sift_{s}": rs for (d, s), rs in cells.items()}}, f, indent=1)
    return md


def update_readme(readme, md):
    text = open(readme, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{readme}: no {BEGIN} ... {END} section to update")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(readme + ".tmp", "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + md + END + tail)
    os.replace(readme + ".tmp", readme)


if __name__ == "__main__":
    out = sys.argv[1]
    md = report(out)
    if len(sys.argv) > 3 and sys.argv[2] == "--update-readme":
        update_readme(sys.argv[3], md)
