#!/usr/bin/env python3
"""A `transformers` reference point for `prep finetune` on a bundled task (TASK, default
Corpora/tasks/kjv-book; Corpora/tasks/coherence is the pair task): fine-tunes an exported encoder
(`prep export` directory, or any BertModel directory) as `BertForSequenceClassification` with AdamW
(weight decay 0.01), linear warmup (10%) and decay, gradient norm clipped to 1, batch BATCH (32),
the same every-k-th-row training subset as Scripts/experiments/downstream (ROWS 0 = all), and
prints dev accuracy after each epoch.

  [TASK=DIR] [BATCH=32] [THREADS=2] .venv-ref/bin/python Scripts/reference/finetune_task_torch.py \
      EXPORT_DIR ROWS EPOCHS LR MAX_LENGTH SEED
"""
import csv
import os
import random
import sys
import time

import torch
from transformers import BertForSequenceClassification, BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


TASK = os.environ.get("TASK", os.path.join(ROOT, "Corpora/tasks/kjv-book"))
BATCH = int(os.environ.get("BATCH", "32"))


def rows(split):
    """(text, pair or None, label) per data row: a sentence2 column makes it a pair task."""
    with open(os.path.join(TASK, f"{split}.tsv"), encoding="utf-8", newline="") as f:
        table = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    pair = "sentence2" in table[0]
    return [(r[1], r[2] if pair else None, int(r[-1])) for r in table[1:]]


def main():
    init, n, epochs, lr, max_length, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), \
        int(sys.argv[5]), int(sys.argv[6])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    train, dev = rows("train"), rows("dev")
    if 0 < n < len(train):
        train = [train[j * len(train) // n] for j in range(n)]
    tok = BertTokenizerFast.from_pretrained(os.path.join(ROOT, "Vocab/bert-base-uncased"))
    torch.manual_seed(seed)
    model = BertForSequenceClassification.from_pretrained(init, num_labels=2)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(train) + BATCH - 1) // BATCH)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm))))
    rng, t0 = random.Random(seed), time.time()

    def encode(batch):
        pairs = [x[1] for x in batch] if batch[0][1] is not None else None
        return tok([x[0] for x in batch], pairs, truncation=True, max_length=max_length, padding=True,
                   return_tensors="pt")

    for epoch in range(epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        for i in range(0, len(order), BATCH):
            batch = [train[j] for j in order[i:i + BATCH]]
            loss = model(**encode(batch), labels=torch.tensor([x[2] for x in batch])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        model.eval()
        predictions = []
        with torch.no_grad():
            for i in range(0, len(dev), 64):
                predictions += model(**encode(dev[i:i + 64])).logits.argmax(-1).tolist()
        accuracy = sum(p == y for p, (*_, y) in zip(predictions, dev)) / len(dev)
        print(f"epoch {epoch + 1}: dev accuracy {accuracy:.4f}, predicted 1: {sum(predictions)}/{len(dev)} "
              f"({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
