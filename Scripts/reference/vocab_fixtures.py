#!/usr/bin/env python3
"""Golden vocabulary-training fixtures from the pinned reference, HF `tokenizers` 0.23.3.

    $DRBERT_VENV/bin/python Scripts/reference/vocab_fixtures.py        # DRBERT_VENV=.venv-ref

Writes Tests/TokenizationTests/Fixtures/vocab-training.jsonl.zst (zstd -19, needs the zstd CLI):
a header line, then one line per configuration (corpus files x vocab size x options) with
what `BertWordPieceTokenizer(...).train(files, ...)` learned:
  {"name", "files": [paths under Corpora/], "options": {vocab_size, min_frequency,
   limit_alphabet, initial_alphabet, special_tokens, lowercase, strip_accents,
   handle_chinese_chars}, "lines": number of tokens, "sha256": of vocab.txt,
   "head": the tokens up to the end of the `##` + one character run and 50 more,
   "tail": the last 50 tokens, "second_run_identical": whether a second HF run gave the same}
HF breaks some ties by hash order, seeded at random per process, so runs differ; the head
holds what the Swift tests need to replay this run (HashOrderChoices) and then compare the
whole vocab.txt through its SHA-256. Text files go through HF's own file reader
(`Tokenizer.train`); JSONL through `train_from_iterator` over each line's "text".
Nothing in the fixture is produced by our own code.
"""
import hashlib, json, os, subprocess, sys, tempfile
from pathlib import Path

import tokenizers
from tokenizers import BertWordPieceTokenizer

REFERENCE_VERSION = "0.23.3"
assert tokenizers.__version__ == REFERENCE_VERSION, (
    f"need tokenizers=={REFERENCE_VERSION}, found {tokenizers.__version__}")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests/TokenizationTests/Fixtures/vocab-training.jsonl.zst"
HEADER = {"fixture_header": True, "generator": "Scripts/reference/vocab_fixtures.py",
          "tokenizers": REFERENCE_VERSION}
DEFAULT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
DEFAULTS = {"min_frequency": 2, "limit_alphabet": 1000, "initial_alphabet": [],
            "special_tokens": DEFAULT_SPECIALS, "lowercase": True, "strip_accents": None,
            "handle_chinese_chars": True}
PREFIX = "##"

# Corpora used for fixtures. Scripts/parity/vocab also trains on held-out text that is not here.
FIXTURE_CORPORA = ["en/kjv-sample.txt", "fr/maint-guide-sample.txt", "de/maint-guide-sample.txt",
                   "ru/maint-guide-sample.txt", "zh/tang300.txt", "zh/fortunes-sample.txt",
                   "ja/maint-guide-sample.txt", "ko/debian-faq-sample.txt", "jsonl/wiki-style.jsonl",
                   "mixed/unicode-edge.txt"]
SIZES = [1000, 8000, 30000]


def configurations():
    """(name, files, options) for every fixture."""
    out = []
    for corpus in FIXTURE_CORPORA:
        for size in SIZES:
            out.append((corpus, size, {}))
    variants = [
        ("cased", {"lowercase": False}, ["en/kjv-sample.txt", "de/maint-guide-sample.txt", "ru/maint-guide-sample.txt",
                                         "zh/fortunes-sample.txt", "mixed/unicode-edge.txt"], [8000]),
        ("alphabet100", {"limit_alphabet": 100}, ["en/kjv-sample.txt", "fr/maint-guide-sample.txt", "zh/tang300.txt",
                                                   "mixed/unicode-edge.txt"], [1000, 8000]),
        ("minfreq1", {"min_frequency": 1}, ["en/kjv-sample.txt", "ko/debian-faq-sample.txt"], [8000]),
        ("minfreq5", {"min_frequency": 5}, ["en/kjv-sample.txt", "ko/debian-faq-sample.txt"], [8000]),
        ("accents", {"strip_accents": False}, ["fr/maint-guide-sample.txt", "de/maint-guide-sample.txt"], [8000]),
        ("nochinese", {"handle_chinese_chars": False}, ["zh/fortunes-sample.txt"], [8000]),
        ("initial", {"initial_alphabet": ["q", "ж", "€", "😀"], "limit_alphabet": 30}, ["en/kjv-sample.txt"], [1000]),
        ("specials", {"special_tokens": ["[UNK]", "<s>", "a", "[UNK]", "##e"]}, ["en/kjv-sample.txt"], [1000]),
    ]
    for tag, options, corpora, sizes in variants:
        for corpus in corpora:
            for size in sizes:
                out.append((corpus, size, dict(options, _tag=tag)))
    result = []
    for corpus, size, options in out:
        tag = options.pop("_tag", "default")
        name = f"{corpus.replace('/', '-').rsplit('.', 1)[0]}-{size // 1000}k-{tag}"
        result.append((name, [corpus], dict(DEFAULTS, vocab_size=size, **options)))
    return result


def texts_of_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)["text"]


def train(paths, options):
    """Tokens (id order) that BertWordPieceTokenizer.train learns from `paths` (absolute)."""
    tok = BertWordPieceTokenizer(lowercase=options["lowercase"], strip_accents=options["strip_accents"],
                                 handle_chinese_chars=options["handle_chinese_chars"])
    kwargs = dict(vocab_size=options["vocab_size"], min_frequency=options["min_frequency"],
                  limit_alphabet=options["limit_alphabet"], initial_alphabet=options["initial_alphabet"],
                  special_tokens=options["special_tokens"], show_progress=False, wordpieces_prefix=PREFIX)
    if all(str(p).endswith(".jsonl") for p in paths):
        tok.train_from_iterator((t for p in paths for t in texts_of_jsonl(p)), **kwargs)
    elif not any(str(p).endswith(".jsonl") for p in paths):
        tok.train([str(p) for p in paths], **kwargs)
    else:
        raise ValueError("mix of text and JSONL inputs")
    with tempfile.TemporaryDirectory() as d:
        tok.save_model(d)
        data = Path(d, "vocab.txt").read_bytes()
    return data.decode("utf-8").split("\n")[:-1], data


def head_length(tokens, specials):
    """Tokens up to the end of the run of PREFIX + one character, plus 50."""
    i = 0
    specials = set(specials)
    while i < len(tokens) and tokens[i] in specials:
        i += 1
    while i < len(tokens) and len(tokens[i]) == 1:
        i += 1
    while i < len(tokens) and tokens[i].startswith(PREFIX) and len(tokens[i]) == len(PREFIX) + 1:
        i += 1
    return min(i + 50, len(tokens))


def main():
    rows = [json.dumps(HEADER, ensure_ascii=False)]
    differing = 0
    configs = configurations()
    for name, files, options in configs:
        paths = [ROOT / "Corpora" / f for f in files]
        tokens, data = train(paths, options)
        again, _ = train(paths, options)
        differing += tokens != again
        rows.append(json.dumps({"name": name, "files": files, "options": options, "lines": len(tokens),
                                "sha256": hashlib.sha256(data).hexdigest(),
                                "head": tokens[:head_length(tokens, options["special_tokens"])],
                                "tail": tokens[-50:], "second_run_identical": tokens == again},
                               ensure_ascii=False))
        print(f"{name}: {len(tokens)} tokens{'' if tokens == again else ' (a second run differs)'}", flush=True)
    text = ("\n".join(rows) + "\n").encode("utf-8")
    subprocess.run(["zstd", "-19", "-q", "-f", "-o", str(FIXTURE)], input=text, check=True)
    print(f"wrote {FIXTURE.relative_to(ROOT)}: {len(configs)} configurations "
          f"({differing} where two HF runs differ), {os.path.getsize(FIXTURE)} bytes")


if __name__ == "__main__":
    main()
