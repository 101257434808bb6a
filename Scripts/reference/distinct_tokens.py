"""Tokens that are different bytes but canonically equivalent Unicode (run with the pinned
tokenizers 0.23.3 in .venv-ref).

Swift compares `String`s by canonical equivalence, so a loader that keys tokens by `String`
merges U+2329 with U+3008, or U+045D with U+0438 U+0300, the way the real mBERT vocabulary
(bert-base-multilingual-cased) broke. HF keeps them apart. This builds a WordPiece
tokenizer.json (and the same vocab.txt) holding such pairs next to ordinary tokens, and
records HF's ids for lines that use them.

    python Scripts/reference/distinct_tokens.py                 # write the committed fixture
    python Scripts/reference/distinct_tokens.py --prep PREP     # live: prep encode vs HF
"""

import argparse, json, pathlib, subprocess, sys, tempfile

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "TokenizationTests" / "Fixtures" / "distinct-tokens"

# Each pair: two spellings that NFC/NFD (and Swift's String ==) treat as equal.
PAIRS = [
    ("\u2329", "\u3008"),  # LEFT-POINTING ANGLE BRACKET, singleton decomposition to CJK bracket
    ("\u232a", "\u3009"),
    ("\u045d", "\u0438\u0300"),  # ѝ precomposed / и + combining grave
    ("\u00e9", "e\u0301"),  # é
    ("##\uff63", "##\u300d"),  # halfwidth / CJK corner bracket as continuations
    ("caf\u00e9", "cafe\u0301"),
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "a", "cafe", "##s", "word", "piece", "and", "##ing", "test", "e", "\u0438", "\u0300",
         "##\u0301", "##\u0300", ".", ",", "!", "\u300c", "\u300d", "\uff62", "\uff63", "##e"]

LINES = [
    "\u2329 the word \u3008",
    "\u3008\u2329\u232a\u3009",
    "\u045d and \u0438\u0300 and \u0438",
    "caf\u00e9 and cafe\u0301 and cafes",
    "\u00e9 e\u0301 test .",
    "\uff62word\uff63 \u300cword\u300d",
    "a piece , the testing !",
    "[CLS] \u2329 [MASK] \u3008 [SEP]",
]


def vocabulary():
    tokens = list(SPECIALS)
    for a, b in PAIRS:
        tokens += [a, b]
    tokens += WORDS
    assert len(set(tokens)) == len(tokens)
    return tokens


def tokenizer(tokens):
    t = Tokenizer(models.WordPiece({tok: i for i, tok in enumerate(tokens)}, unk_token="[UNK]"))
    # No lowercasing or accent stripping: both would apply NFD and erase the distinction tested.
    t.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                              lowercase=False)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = tokens.index("[CLS]"), tokens.index("[SEP]")
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    t.add_special_tokens(SPECIALS)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prep", help="compare `prep encode` with HF instead of writing the fixture")
    args = ap.parse_args()
    tokens = vocabulary()
    tok = tokenizer(tokens)
    want = [e.ids for e in tok.encode_batch(LINES, add_special_tokens=True)]
    # The pairs must really be told apart by HF, or the fixture tests nothing.
    for a, b in PAIRS:
        assert tok.token_to_id(a) != tok.token_to_id(b), (a, b)
    if args.prep is None:
        OUT.mkdir(parents=True, exist_ok=True)
        tok.save(str(OUT / "tokenizer.json"))
        (OUT / "vocab.txt").write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
        with open(OUT / "encodings.jsonl", "w", encoding="utf-8") as f:
            for line, ids in zip(LINES, want):
                f.write(json.dumps({"text": line, "ids": ids}, ensure_ascii=True) + "\n")
        print(f"wrote {OUT} ({len(tokens)} tokens, {len(LINES)} lines)")
        return 0
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        tok.save(str(d / "tokenizer.json"))
        (d / "vocab.txt").write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
        (d / "lines.txt").write_text("".join(l + "\n" for l in LINES), encoding="utf-8")
        for vocab in ["tokenizer.json", "vocab.txt"]:
            cmd = [args.prep, "encode", "--vocab", str(d / vocab), "--input", str(d / "lines.txt")]
            if vocab == "vocab.txt":
                cmd += ["--no-lowercase"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0 or proc.stderr.strip():
                print(f"distinct tokens ({vocab}): prep exited {proc.returncode}: {proc.stderr.strip()}")
                failed += 1
                continue
            got = [json.loads(l) for l in proc.stdout.splitlines()]
            bad = [(l, g, w) for l, g, w in zip(LINES, got, want) if g != w]
            if len(got) != len(want) or bad:
                failed += 1
                for l, g, w in bad:
                    print(f"  {l!r}: prep {g} HF {w}")
            print(f"distinct tokens ({vocab}): {len(LINES) - len(bad)}/{len(LINES)} lines equal")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
