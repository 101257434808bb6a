#!/usr/bin/env python3
"""Reference points for the bundled coherence task (Corpora/README.md): the majority class and a
logistic regression (scikit-learn) on six lexical features of the pair — shared word count, Jaccard
overlap, word counts of A and B, whether B starts lower-case, whether B starts with "And". What a
fine-tuned encoder should at least reach to be learning more than word overlap.

  .venv-ref/bin/python Scripts/reference/coherence_baselines.py
"""
import csv
import os
import re

from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows(split):
    path = os.path.join(ROOT, "Corpora/tasks/coherence", f"{split}.tsv")
    with open(path, encoding="utf-8", newline="") as f:
        r = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(a[1], a[2], int(a[3])) for a in r]


def features(a, b):
    words = lambda s: set(re.findall(r"[a-z]+", s.lower()))
    wa, wb = words(a), words(b)
    shared = len(wa & wb)
    return [shared, shared / max(1, len(wa | wb)), len(wa), len(wb), float(b[:1].islower()), float(b.startswith("And"))]


def main():
    train, dev = rows("train"), rows("dev")
    labels = [y for *_, y in dev]
    majority = max(labels.count(0), labels.count(1)) / len(labels)
    model = LogisticRegression(max_iter=1000).fit([features(a, b) for a, b, _ in train], [y for *_, y in train])
    accuracy = model.score([features(a, b) for a, b, _ in dev], labels)
    print(f"dev majority-class accuracy {majority:.4f}; lexical-overlap logistic regression {accuracy:.4f}")


if __name__ == "__main__":
    main()
