#!/usr/bin/env python3
"""Fixtures for Tests/FinetuningTests from the references (run with .venv-ref's python):

- encoded-pairs.jsonl: `transformers.BertTokenizerFast` (Rust `tokenizers` underneath) from
  Vocab/bert-base-uncased (cross-checked against `tokenizers.BertWordPieceTokenizer(vocab.txt)`), `truncation=True` (longest_first), for hand-made singles and
  pairs at budgets that force ties and one-sided truncation, and for the first rows of the bundled
  task's dev.tsv; one object per case: text, text_pair (or null), max_length, input_ids, token_type_ids.
- metrics.jsonl: scikit-learn accuracy_score, f1_score(average="macro"), f1_score (binary, for two
  classes), matthews_corrcoef; SciPy pearsonr, spearmanr; for seeded random and edge cases.

  python Scripts/reference/finetune_data_fixtures.py [OUT_DIR]   (default Tests/FinetuningTests/Fixtures)
"""
import csv
import json
import math
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def encoded_pairs():
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertTokenizerFast
    tok = BertTokenizerFast.from_pretrained(os.path.join(ROOT, "Vocab/bert-base-uncased"))
    # The same vocab.txt straight into `tokenizers`, as a cross-check of the transformers wrapper.
    raw = BertWordPieceTokenizer(os.path.join(ROOT, "Vocab/bert-base-uncased/vocab.txt"), lowercase=True)
    a = "The quick brown fox jumps over the lazy dog near the riverbank today."
    b = "A completely different sentence, with punctuation; and unaffordable words!"
    cases = [
        ("Hello world", None, 128), ("Hello world", "Good bye", 128),
        (a, None, 8), (a, b, 10), (a, b, 11), (a, b, 12), (a, b, 13),
        # equal lengths: which side gives up the odd token?
        ("one two three four five six", "six five four three two one", 9),
        ("one two three four five six", "six five four three two one", 10),
        ("short", b, 9), (b, "short", 9), ("short", b, 4), (a, b, 3),
        ("", "", 16), ("", b, 7), ("Café naïve résumé 東京 [SEP] inside", "über [MASK] x", 12),
    ]
    rows = []
    with open(os.path.join(ROOT, "Corpora/tasks/coherence/dev.tsv"), encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for i, r in enumerate(reader):
            if i >= 150:
                break
            cases.append((r[1], r[2], 24 + i % 40))
    for text, pair, max_length in cases:
        # Batched, as run_glue.py calls it (datasets.map(batched=True)): a single call would drop
        # an empty-string pair ("" is falsy there), a batch keeps it as `[SEP]`, as tokenizers does.
        batch = tok([text], [pair] if pair is not None else None, truncation=True, max_length=max_length)
        enc = {k: v[0] for k, v in batch.items()}
        raw.enable_truncation(max_length, strategy="longest_first")
        check = raw.encode(text, pair) if pair is not None else raw.encode(text)
        assert check.ids == enc["input_ids"] and check.type_ids == enc["token_type_ids"], (text, pair, max_length)
        rows.append({"text": text, "text_pair": pair, "max_length": max_length,
                     "input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"]})
    return rows


def clean(v):
    return None if isinstance(v, float) and math.isnan(v) else float(v)


def metrics():
    import warnings
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
    warnings.simplefilter("ignore")
    rng = random.Random(15)
    cases = []
    cls = [
        ([0, 1, 1, 0, 1], [0, 1, 0, 0, 1], 2),
        ([1, 1, 1, 1], [0, 1, 0, 1], 2),      # constant predictions: MCC 0
        ([0, 0, 0], [0, 0, 0], 2),            # one class on both sides
        ([2, 2, 0, 1], [0, 1, 2, 0], 3),
        ([0, 1, 2, 3], [0, 1, 2, 3], 5),      # class 4 never occurs: not in the macro mean
    ]
    for n, k in [(50, 2), (200, 2), (100, 3), (300, 5)]:
        labels = [rng.randrange(k) for _ in range(n)]
        preds = [y if rng.random() < 0.6 else rng.randrange(k) for y in labels]
        cls.append((preds, labels, k))
    for preds, labels, k in cls:
        m = {"accuracy": accuracy_score(labels, preds), "macro_f1": f1_score(labels, preds, average="macro"),
             "matthews_correlation": matthews_corrcoef(labels, preds)}
        if k == 2:
            m["f1"] = f1_score(labels, preds, zero_division=0)
        cases.append({"kind": "classification", "predictions": preds, "labels": labels, "num_labels": k,
                      "expected": {key: clean(v) for key, v in m.items()}})
    reg = [
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]),
        ([1.0, 2.0, 2.0, 3.0, 3.0, 3.0], [0.5, 1.5, 1.5, 1.5, 4.0, 2.0]),   # ties on both sides
        ([3.0, 3.0, 3.0], [1.0, 2.0, 3.0]),                                 # constant: NaN
        ([0.25, -1.5], [2.0, 1.0]),
    ]
    for n in (20, 200):
        labels = [round(rng.uniform(0, 5) * 4) / 4 for _ in range(n)]          # STS-B-like, many ties
        preds = [round((y + rng.gauss(0, 1)) * 8) / 8 for y in labels]
        reg.append((preds, labels))
    for preds, labels in reg:
        m = {"pearson": pearsonr(preds, labels)[0], "spearman": spearmanr(preds, labels)[0]}
        cases.append({"kind": "regression", "predictions": preds, "labels": labels,
                      "expected": {key: clean(v) for key, v in m.items()}})
    return cases


def write(path, rows):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(path + ".tmp", path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests/FinetuningTests/Fixtures")
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "encoded-pairs.jsonl"), encoded_pairs())
    write(os.path.join(out, "metrics.jsonl"), metrics())


if __name__ == "__main__":
    main()
