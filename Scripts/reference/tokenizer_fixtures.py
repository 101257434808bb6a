#!/usr/bin/env python3
"""Golden tokenizer fixtures from the pinned reference, HF `tokenizers` 0.23.3.

    $DRBERT_VENV/bin/python Scripts/reference/tokenizer_fixtures.py        # DRBERT_VENV=.venv-ref

Writes into Tests/TokenizationTests/Fixtures/:
  edge-cases.jsonl                   hand-chosen cases (tokenizer_edge_cases.py), both vocabs,
                                     lowercase on/off, with/without special tokens: ids, tokens,
                                     type ids, code-point and UTF-8 byte offsets, normalized text
                                     (format: Tests/TokenizationTests/Fixtures/README.md)
  corpus-<vocab>-<lower|cased>.jsonl.zst
                                     every line of every Corpora/ file encoded with special
                                     tokens: {"file","line","ids"} (zstd -19, needs the zstd CLI)
  corpus-bert-base-multilingual-cased-cased.jsonl.zst
                                     the same for mBERT (Vocab/bert-base-multilingual-cased,
                                     cased only: the model's own setting), first 500 lines of
                                     each Corpora/ file; HF's tokenizer.json and vocab.txt
                                     pipelines must agree before it is written
The first line of every fixture is a header naming this script and the reference version.
Swift tests read these files; nothing in them is produced by our own code.
"""
import itertools, json, os, subprocess, sys
from pathlib import Path

import tokenizers
from tokenizers import BertWordPieceTokenizer, Tokenizer

REFERENCE_VERSION = "0.23.3"
assert tokenizers.__version__ == REFERENCE_VERSION, (
    f"need tokenizers=={REFERENCE_VERSION}, found {tokenizers.__version__}")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_edge_cases import edge_cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/TokenizationTests/Fixtures"
CORPORA = ROOT / "Corpora"
VOCABS = ["bert-base-uncased", "bert-base-chinese"]
# Cased-only vocabularies (fixtures and live parity with lowercase off; Scripts/reference/mbert_vocab.py).
MBERT = "bert-base-multilingual-cased"
MBERT_LINES_PER_FILE = 500  # keeps the fixture small; the live parity script reads whole files
HEADER = {"fixture_header": True, "generator": "Scripts/reference/tokenizer_fixtures.py",
          "tokenizers": REFERENCE_VERSION}


def reference(vocab: str, lowercase: bool) -> BertWordPieceTokenizer:
    """The reference pipeline: BertNormalizer(clean_text, handle_chinese_chars,
    strip_accents=None -> follows lowercase), BertPreTokenizer, WordPiece(##, 100 chars),
    [PAD] [UNK] [CLS] [SEP] [MASK] as added special tokens, BertProcessing."""
    return BertWordPieceTokenizer(str(ROOT / "Vocab" / vocab / "vocab.txt"), lowercase=lowercase)


def mbert_reference() -> Tokenizer:
    """mBERT as HF loads the vendored tokenizer.json (BertNormalizer lowercase=False,
    strip_accents=None: accents kept)."""
    return Tokenizer.from_file(str(ROOT / "Vocab" / MBERT / "tokenizer.json"))


def corpus_lines(path: Path):
    """(line number, text) exactly as `prep encode` reads them: text files split on "\\n" only
    (a "\\r", U+0085, U+2028 stay inside the line; blank lines are lines); JSONL: each "text"."""
    data = path.read_bytes().decode("utf-8")
    if path.suffix == ".jsonl":
        for n, line in enumerate(data.split("\n"), 1):
            if line.strip():
                yield n, json.loads(line)["text"]
        return
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the terminator of the last line, not an empty line
    yield from enumerate(lines, 1)


def corpus_files():
    return sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.suffix in (".txt", ".jsonl"))


def byte_offsets(text: str, offsets):
    """Code-point offsets -> UTF-8 byte offsets into the same string."""
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + len(ch.encode("utf-8")))
    return [[prefix[s], prefix[e]] for s, e in offsets]


def encode_case(tok, case, lowercase, vocab):
    text, pair, max_length = case["text"], case.get("text_pair"), case.get("max_length")
    out = []
    for special in (True, False):
        if max_length is not None:
            tok.enable_truncation(max_length, strategy="longest_first")
        else:
            tok.no_truncation()
        enc = tok.encode(text, pair, add_special_tokens=special)
        tok.no_truncation()
        offsets = [list(o) for o in enc.offsets]
        bytes_ = []
        for seq, (s, e) in zip(enc.sequence_ids, offsets):
            src = text if seq in (None, 0) else pair
            bytes_.append(byte_offsets(src, [(s, e)])[0])
        out.append({
            "id": case["id"], "vocab": vocab, "lowercase": lowercase, "add_special_tokens": special,
            "text": text, "text_pair": pair, "max_length": max_length,
            "ids": enc.ids, "tokens": enc.tokens, "type_ids": enc.type_ids,
            "offsets": offsets, "byte_offsets": bytes_,
            "normalized": tok.normalizer.normalize_str(text),
            "normalized_pair": None if pair is None else tok.normalizer.normalize_str(pair),
        })
    return out


def write_edge_cases():
    cases = edge_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate edge-case id"
    rows = []
    for vocab in VOCABS:
        for lowercase in (True, False):
            tok = reference(vocab, lowercase)
            for case in cases:
                rows.extend(encode_case(tok, case, lowercase, vocab))
    path = FIXTURES / "edge-cases.jsonl"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps({**HEADER, "cases": len(cases), "rows": len(rows)}) + "\n")
        for r in rows:
            # ensure_ascii keeps controls, NUL, U+2028 etc. escaped so every fixture line is one line
            f.write(json.dumps(r, ensure_ascii=True, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cases)} cases, {len(rows)} rows, "
          f"{path.stat().st_size} bytes", file=sys.stderr)


def write_zst(path: Path, lines):
    raw = ("\n".join(lines) + "\n").encode()
    plain = path.with_suffix(".plain.tmp")
    tmp = path.with_suffix(".zst.tmp")
    plain.write_bytes(raw)
    # From a file, not stdin, so the frame header records the content size (a reader
    # may size its buffer with ZSTD_getFrameContentSize); one frame, default window.
    subprocess.run(["zstd", "-q", "-19", "-f", "--no-progress", str(plain), "-o", str(tmp)], check=True)
    plain.unlink()
    os.replace(tmp, path)
    return len(raw)


def write_corpus():
    files = corpus_files()
    inputs = [(str(p.relative_to(CORPORA)), n, t) for p in files for n, t in corpus_lines(p)]
    for vocab in VOCABS:
        for lowercase in (True, False):
            tok = reference(vocab, lowercase)
            encs = tok.encode_batch([t for _, _, t in inputs], add_special_tokens=True)
            lines = [json.dumps({**HEADER, "vocab": vocab, "lowercase": lowercase,
                                 "files": [str(p.relative_to(CORPORA)) for p in files],
                                 "lines": len(inputs)})]
            for (f, n, _), e in zip(inputs, encs):
                lines.append(json.dumps({"file": f, "line": n, "ids": e.ids}, separators=(",", ":")))
            name = f"corpus-{vocab}-{'lower' if lowercase else 'cased'}.jsonl.zst"
            path = FIXTURES / name
            size = write_zst(path, lines)
            tokens = sum(len(e.ids) for e in encs)
            print(f"{path.relative_to(ROOT)}: {len(inputs)} lines, {tokens} tokens, "
                  f"{size} -> {path.stat().st_size} bytes", file=sys.stderr)


def write_mbert_corpus():
    files = corpus_files()
    inputs = [(str(p.relative_to(CORPORA)), n, t) for p in files
              for n, t in itertools.islice(corpus_lines(p), MBERT_LINES_PER_FILE)]
    texts = [t for _, _, t in inputs]
    encs = mbert_reference().encode_batch(texts, add_special_tokens=True)
    # The Swift test checks both files against these ids, so HF must give them from both.
    from_txt = reference(MBERT, lowercase=False).encode_batch(texts, add_special_tokens=True)
    assert [e.ids for e in encs] == [e.ids for e in from_txt], "mBERT tokenizer.json and vocab.txt disagree"
    lines = [json.dumps({**HEADER, "vocab": MBERT, "lowercase": False, "strip_accents": False,
                         "files": [str(p.relative_to(CORPORA)) for p in files],
                         "max_lines_per_file": MBERT_LINES_PER_FILE, "lines": len(inputs)})]
    for (f, n, _), e in zip(inputs, encs):
        lines.append(json.dumps({"file": f, "line": n, "ids": e.ids}, separators=(",", ":")))
    path = FIXTURES / f"corpus-{MBERT}-cased.jsonl.zst"
    size = write_zst(path, lines)
    tokens = sum(len(e.ids) for e in encs)
    unk = sum(e.ids.count(100) for e in encs)
    print(f"{path.relative_to(ROOT)}: {len(inputs)} lines, {tokens} tokens ({unk} [UNK]), "
          f"{size} -> {path.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    which = sys.argv[1:] or ["edge", "corpus", "mbert"]
    if "edge" in which:
        write_edge_cases()
    if "corpus" in which:
        write_corpus()
    if "mbert" in which:
        write_mbert_corpus()
