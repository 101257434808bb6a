"""Hand-chosen tokenizer edge cases (placeholder list; extended below)."""


def edge_cases():
    return [{"id": "empty", "text": ""}]
