#!/usr/bin/env python3
"""Live comparison of `prep encode` with the pinned reference (run via Scripts/parity/tokenizer).

For every Corpora/ file (or the files given), both vocabs, lowercase on and off, runs
    prep encode --vocab Vocab/<v>/vocab.txt [--no-lowercase] --input F [--format jsonl]
which prints one JSON array of ids per input line, and compares it with the reference's
encode_batch over the same lines (split exactly as tokenizer_fixtures.corpus_lines does).
mBERT (Vocab/bert-base-multilingual-cased) is cased only, its own setting: vocab.txt with
--no-lowercase against BertWordPieceTokenizer(lowercase=False), and tokenizer.json with no
flag (its normalizer says lowercase=false) against HF's Tokenizer.from_file of the same file.
Exit status: 0 identical, 1 any difference, a failing `prep` or a `prep` warning (e.g. about
duplicate tokens), 2 usage/set-up problem.
"""
import argparse, json, shutil, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_fixtures import (  # noqa: E402
    CORPORA, MBERT, ROOT, VOCABS, corpus_files, corpus_lines, mbert_reference, reference)


def configurations():
    """(label, vocabulary file, --no-lowercase?, reference tokenizer factory)."""
    for vocab in VOCABS:
        for lowercase in (True, False):
            yield (f"{vocab} {'lowercase' if lowercase else 'cased'}", f"{vocab}/vocab.txt", not lowercase,
                   lambda v=vocab, l=lowercase: reference(v, l))
    yield f"{MBERT} cased", f"{MBERT}/vocab.txt", True, lambda: reference(MBERT, False)
    yield f"{MBERT} tokenizer.json", f"{MBERT}/tokenizer.json", False, mbert_reference


def run_prep(prep, vocab_file, no_lowercase, path):
    cmd = [prep, "encode", "--vocab", str(ROOT / "Vocab" / vocab_file), "--input", str(path)]
    if no_lowercase:
        cmd.append("--no-lowercase")
    if path.suffix == ".jsonl":
        cmd += ["--format", "jsonl"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"`{' '.join(cmd)}` exited {proc.returncode}: {err[-1] if err else ''}"
    if proc.stderr:
        err = proc.stderr.decode("utf-8", "replace")
        sys.stderr.write(err)
        # HF loads all these vocabularies silently; a duplicate-token warning means tokens were
        # merged that HF keeps apart (e.g. canonically equivalent ones in mBERT).
        warned = [l for l in err.splitlines() if l.startswith("warning:")]
        if warned:
            return None, f"`{' '.join(cmd)}` warned: {warned[0]}"
    out = proc.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    try:
        return [json.loads(l) for l in out], None
    except json.JSONDecodeError as e:
        return None, f"`{' '.join(cmd)}` printed a line that is not a JSON array: {e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", required=True, help="path to the prep binary")
    ap.add_argument("--max-diffs", type=int, default=5, help="differences shown per configuration")
    ap.add_argument("files", nargs="*", type=Path, help="corpus files (default: all of Corpora/)")
    args = ap.parse_args()
    prep = shutil.which(args.prep)
    if prep is None:
        print(f"tokenizer parity: prep binary {args.prep!r} not found or not executable", file=sys.stderr)
        return 2
    args.prep = prep
    files = [p.resolve() for p in args.files] or corpus_files()
    if not files:
        print(f"tokenizer parity: no corpus files under {CORPORA}", file=sys.stderr)
        return 2
    inputs = {p: list(corpus_lines(p)) for p in files}
    failed = False
    for config, vocab_file, no_lowercase, make_reference in configurations():
        tok = make_reference()
        lines = tokens = diffs = 0
        t_prep = t_ref = 0.0
        for path, items in inputs.items():
            name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            t0 = time.perf_counter()
            got, error = run_prep(args.prep, vocab_file, no_lowercase, path)
            t_prep += time.perf_counter() - t0
            if error:
                print(f"FAIL {config}: {name}: {error}")
                diffs += 1
                continue
            t0 = time.perf_counter()
            want = [e.ids for e in tok.encode_batch([t for _, t in items], add_special_tokens=True)]
            t_ref += time.perf_counter() - t0
            lines += len(want)
            tokens += sum(map(len, want))
            for (n, text), w, g in zip(items, want, got):
                if w != g:
                    diffs += 1
                    if diffs <= args.max_diffs:
                        print(f"DIFF {config}: {name}:{n}: text {text[:200]!r}")
                        print(f"  reference: {json.dumps(w, separators=(',', ':'))}")
                        print(f"  prep:      {json.dumps(g, separators=(',', ':'))}")
                        i = next((i for i, (a, b) in enumerate(zip(w, g)) if a != b), min(len(w), len(g)))
                        tok_at = lambda ids: tok.id_to_token(ids[i]) if i < len(ids) and isinstance(ids[i], int) else None
                        print(f"  first difference at index {i}: reference {tok_at(w)!r}, prep {tok_at(g)!r}")
            if len(got) != len(want):
                diffs += 1
                print(f"DIFF {config}: {name}: reference has {len(want)} lines, prep printed {len(got)}")
        status = "OK" if diffs == 0 else f"FAILED ({diffs} differences)"
        print(f"tokenizer parity {config}: {len(inputs)} files, {lines} lines, {tokens} tokens, "
              f"{status} (prep {t_prep:.2f}s, reference {t_ref:.2f}s)", flush=True)
        failed |= diffs > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
