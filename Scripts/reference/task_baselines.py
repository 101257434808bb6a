#!/usr/bin/env python3
"""Reference points for the bundled tasks (Corpora/README.md), scikit-learn:
- coherence: the majority class and a logistic regression on six lexical features of the pair —
  shared word count, Jaccard overlap, word counts of A and B, whether B starts lower-case, whether B
  starts with "And". What a fine-tuned encoder should at least reach to be learning more than word
  overlap.
- kjv-book: the majority class and a logistic regression on the verse's bag of words (lower-cased
  word counts): how far topical vocabulary alone goes.

  .venv-ref/bin/python Scripts/reference/task_baselines.py
"""
import csv
import os
import re

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows(task, split):
    path = os.path.join(ROOT, "Corpora/tasks", task, f"{split}.tsv")
    with open(path, encoding="utf-8", newline="") as f:
        r = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(*a[1:-1], int(a[-1])) for a in r]


def majority(dev):
    """Dev accuracy of the best constant answer (dev's most frequent label): the bar to clear."""
    labels = [y for *_, y in dev]
    return max(labels.count(y) for y in set(labels)) / len(labels)


def features(a, b):
    words = lambda s: set(re.findall(r"[a-z]+", s.lower()))
    wa, wb = words(a), words(b)
    shared = len(wa & wb)
    return [shared, shared / max(1, len(wa | wb)), len(wa), len(wb), float(b[:1].islower()), float(b.startswith("And"))]


def main():
    train, dev = rows("coherence", "train"), rows("coherence", "dev")
    model = LogisticRegression(max_iter=1000).fit([features(a, b) for a, b, _ in train], [y for *_, y in train])
    accuracy = model.score([features(a, b) for a, b, _ in dev], [y for *_, y in dev])
    print(f"coherence: dev majority-class accuracy {majority(dev):.4f}; "
          f"lexical-overlap logistic regression {accuracy:.4f}")
    train, dev = rows("kjv-book", "train"), rows("kjv-book", "dev")
    words = CountVectorizer(lowercase=True).fit([s for s, _ in train])
    model = LogisticRegression(max_iter=2000).fit(words.transform([s for s, _ in train]), [y for _, y in train])
    accuracy = model.score(words.transform([s for s, _ in dev]), [y for _, y in dev])
    print(f"kjv-book: dev majority-class accuracy {majority(dev):.4f}; "
          f"bag-of-words logistic regression {accuracy:.4f}")


if __name__ == "__main__":
    main()
