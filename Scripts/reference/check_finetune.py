#!/usr/bin/env python3
"""Live check of `prep finetune` → `prep predict` → `prep export` against transformers.

  check_finetune.py PREP WORKDIR [--sift]

1. Writes a small random `transformers.BertModel` (the bert-base-uncased vocabulary) as an
   HF directory: an --init that exercises the HF-directory path.
2. `prep finetune` on the bundled task (Corpora/tasks/coherence; a slice of train.tsv),
   then `prep predict` on dev.tsv and `prep export` of the fine-tuned directory.
3. `BertForSequenceClassification.from_pretrained(export)` must report no missing,
   unexpected or mismatched keys; AutoTokenizer on the export must give the same ids as
   prep (checked through the logits), and its logits on dev must equal prep predict's
   (max |Δ| ≤ 1e-4 relative to the largest logit) with the same predicted labels.
Prints the figures; exits non-zero on any mismatch.
"""
import csv
import json
import os
import subprocess
import sys

import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, BertModel

TASK = "Corpora/tasks/coherence"
VOCAB = "Vocab/bert-base-uncased/vocab.txt"


def main(prep, work, sift):
    os.makedirs(work, exist_ok=True)
    init = os.path.join(work, "init")
    vocab = open(VOCAB, encoding="utf-8").read().split("\n")
    vocab = [t for t in vocab if t != ""]
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(init)
    with open(os.path.join(init, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    rows = open(f"{TASK}/train.tsv", encoding="utf-8").read().split("\n")
    train = os.path.join(work, "train.tsv")
    with open(train, "w", encoding="utf-8") as f:
        f.write("\n".join(rows[:401]) + "\n")
    out, export = os.path.join(work, "ft"), os.path.join(work, "export")
    cmd = [prep, "finetune", "--init", init, "--train", train, "--dev", f"{TASK}/dev.tsv",
           "--task", "classification", "--text-column", "sentence1", "--pair-column", "sentence2",
           "--label-column", "label", "--epochs", "1", "--batch-size", "16", "--lr", "1e-3",
           "--max-length", "64", "--seed", "3", "--out", out, "--overwrite", "--json"]
    if sift:
        cmd.append("--sift")
    summary = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print("finetune:", json.dumps(summary["epochs"][-1]["dev"]))
    pred = subprocess.run([prep, "predict", "--model", out, "--input", f"{TASK}/dev.tsv"],
                          check=True, capture_output=True, text=True).stdout
    ours = [json.loads(l) for l in pred.splitlines() if l.strip()]
    subprocess.run([prep, "export", out, "--output", export], check=True, capture_output=True)

    model, info = BertForSequenceClassification.from_pretrained(export, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v}
    if bad:
        sys.exit(f"from_pretrained reported {bad}")
    model.eval()
    tok = AutoTokenizer.from_pretrained(export)
    with open(f"{TASK}/dev.tsv", encoding="utf-8", newline="") as f:
        dev = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if len(dev) != len(ours):
        sys.exit(f"prep predict gave {len(ours)} rows, dev.tsv has {len(dev)}")
    enc = tok([r["sentence1"] for r in dev], [r["sentence2"] for r in dev], truncation="longest_first",
              max_length=64, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    theirs = logits.tolist()
    diff = max(abs(a - b) for o, t in zip(ours, theirs) for a, b in zip(o["logits"], t))
    scale = max(abs(x) for t in theirs for x in t)
    labels = model.config.id2label
    same = sum(o["label"] == labels[int(torch.tensor(t).argmax())] for o, t in zip(ours, theirs))
    print(f"export vs transformers: {len(ours)} dev rows, max |logit diff| {diff:.2e} (scale {scale:.3f}), "
          f"same label {same}/{len(ours)}")
    if diff > 1e-4 * max(scale, 1) or same != len(ours):
        sys.exit("prep predict and transformers disagree")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], "--sift" in sys.argv)
