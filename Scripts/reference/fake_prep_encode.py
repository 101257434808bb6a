#!/usr/bin/env python3
"""A stand-in for `prep encode` backed by the reference, to test Scripts/parity/tokenizer itself.

    PREP=Scripts/reference/fake_prep_encode.py Scripts/parity/tokenizer          # must pass
    FAKE_PREP_CORRUPT=file:line PREP=... Scripts/parity/tokenizer                 # must fail
FAKE_PREP_CORRUPT adds 1 to the last non-special id of that line (Corpora-relative file).
Runs under the interpreter of DRBERT_VENV (the shebang is not used by the parity script's
subprocess call, so it re-executes itself there if tokenizers is missing).
"""
import argparse, json, os, sys
from pathlib import Path

try:
    import tokenizers  # noqa: F401
except ImportError:
    venv = os.environ.get("DRBERT_VENV", ".venv-ref")
    os.execv(f"{venv}/bin/python", [f"{venv}/bin/python", *sys.argv])

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_fixtures import CORPORA, corpus_lines, reference  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("command", choices=["encode"])
ap.add_argument("--vocab", required=True)
ap.add_argument("--input", required=True, type=Path)
ap.add_argument("--format", default="text", choices=["text", "jsonl"])
ap.add_argument("--no-lowercase", action="store_true")
args = ap.parse_args()
if (args.format == "jsonl") != (args.input.suffix == ".jsonl"):
    sys.exit("fake prep: --format does not match the file")
if args.vocab.endswith(".json"):  # its own normalizer, as `prep` reads it (--no-lowercase aside)
    tok = Tokenizer.from_file(args.vocab)
    if args.no_lowercase:
        sys.exit("fake prep: --no-lowercase with a tokenizer.json is not faked")
else:
    tok = reference(Path(args.vocab).parent.name, not args.no_lowercase)
items = list(corpus_lines(args.input.resolve()))
corrupt = os.environ.get("FAKE_PREP_CORRUPT", "")
rel = str(args.input.resolve().relative_to(CORPORA))
for (n, _), enc in zip(items, tok.encode_batch([t for _, t in items])):
    ids = enc.ids
    if corrupt == f"{rel}:{n}":
        ids[-2 if len(ids) > 2 else -1] += 1
    print(json.dumps(ids, separators=(",", ":")))
