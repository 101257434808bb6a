#!/usr/bin/env python3
"""Vendor the real bert-base-multilingual-cased (mBERT) vocabulary (run with .venv-ref).

    .venv-ref/bin/python Scripts/reference/mbert_vocab.py [WHEEL]

The vocabulary is not on PyPI as a text file, but Microsoft's `blingfire` 0.1.8 wheel (MIT)
ships it as `blingfire/bert_multi_cased.i2w`. This downloads that wheel with pip (or reads the
one given), rebuilds vocab.txt from it, refuses unless its sha256 is the one public code pins
for google-bert/bert-base-multilingual-cased vocab.txt, and writes
  Vocab/bert-base-multilingual-cased/vocab.txt
  Vocab/bert-base-multilingual-cased/tokenizer.json   (saved by HF `tokenizers` 0.23.3)
Deterministic: re-running gives identical bytes.

i2w layout: uint32 LE entry count N at byte 0x60, N+1 uint32 LE offsets at 0x64, then UTF-8
string data at 0x64 + 4(N+1); entry i is data[off[i]:off[i+1]]. A word-initial token is stored
with a leading space (dropped here), a continuation piece without its "##" (added here).
"""
import hashlib, json, struct, subprocess, sys, tempfile, zipfile
from pathlib import Path

import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Vocab" / "bert-base-multilingual-cased"
WHEEL = "blingfire==0.1.8"
MEMBER = "blingfire/bert_multi_cased.i2w"
VOCAB_SHA256 = "fe0fda7c425b48c516fc8f160d594c8022a0808447475c1a7c6d6479763f310c"
COUNT = 119_547
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
assert tokenizers.__version__ == "0.23.3", f"need tokenizers 0.23.3, found {tokenizers.__version__}"


def download_wheel(into: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), WHEEL],
                   check=True)
    wheels = sorted(into.glob("blingfire-0.1.8-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"mbert_vocab: pip download left {wheels} in {into}")
    return wheels[0]


def tokens_from_i2w(b: bytes) -> list[str]:
    n = struct.unpack_from("<I", b, 0x60)[0]
    if n != COUNT:
        sys.exit(f"mbert_vocab: {MEMBER} holds {n} entries, expected {COUNT}")
    offs = struct.unpack_from(f"<{n + 1}I", b, 0x64)
    base = 0x64 + 4 * (n + 1)
    tokens = []
    for i in range(n):
        e = b[base + offs[i]:base + offs[i + 1]].decode("utf-8")
        tokens.append(e[1:] if e.startswith(" ") else "##" + e)
    # Distinct as code-point strings (Python compares without normalization), like HF.
    assert len(set(tokens)) == n, "duplicate tokens after rebuilding"
    return tokens


def tokenizer(tokens: list[str]) -> Tokenizer:
    """mBERT's pipeline as transformers' BertConverter builds it for the hub's tokenizer.json
    (tokenizer_config: do_lower_case=False, tokenize_chinese_chars=True, strip_accents=None):
    strip_accents=None with lowercase=False keeps accents."""
    vocab = {t: i for i, t in enumerate(tokens)}
    t = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    t.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                              lowercase=False)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    t.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0", pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    t.decoder = decoders.WordPiece(prefix="##")
    t.add_special_tokens([AddedToken(s, normalized=False, special=True) for s in SPECIALS])
    return t


def cross_check_with_transformers(vocab_path: Path, ours: dict):
    """Where transformers is installed, its fast BERT tokenizer built from this vocab.txt with
    mBERT's tokenizer_config (do_lower_case=False) must give the same pipeline (what the hub's
    file holds). transformers 5's BertTokenizer is the tokenizers-backed one; 4.x calls it
    BertTokenizerFast (its slow->fast converter in 5.x no longer reads the slow settings)."""
    try:
        import transformers
    except ImportError:
        print("mbert_vocab: transformers not importable; skipped the cross-check", file=sys.stderr)
        return
    cls = getattr(transformers, "BertTokenizerFast", None) or transformers.BertTokenizer
    backend = cls(str(vocab_path), do_lower_case=False).backend_tokenizer
    theirs = json.loads(backend.to_str())
    for key in ["truncation", "padding", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model"]:
        assert theirs[key] == ours[key], f"{key} differs from transformers {transformers.__version__}"
    strip = lambda a: sorted((x["id"], x["content"], x["special"], x["normalized"]) for x in a)
    assert strip(theirs["added_tokens"]) == strip(ours["added_tokens"]), "added_tokens differ"
    print(f"mbert_vocab: same pipeline as transformers {transformers.__version__} {cls.__name__}", file=sys.stderr)


def main():
    with tempfile.TemporaryDirectory() as d:
        wheel = Path(sys.argv[1]) if len(sys.argv) > 1 else download_wheel(Path(d))
        with zipfile.ZipFile(wheel) as z:
            tokens = tokens_from_i2w(z.read(MEMBER))
    text = "".join(t + "\n" for t in tokens).encode("utf-8")
    digest = hashlib.sha256(text).hexdigest()
    if digest != VOCAB_SHA256:
        sys.exit(f"mbert_vocab: rebuilt vocab.txt has sha256 {digest}, not {VOCAB_SHA256}; refusing")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vocab.txt").write_bytes(text)
    tok = tokenizer(tokens)
    tok.save(str(OUT / "tokenizer.json"), pretty=False)
    saved = json.loads((OUT / "tokenizer.json").read_text(encoding="utf-8"))
    # The ids must be the lines of vocab.txt, byte for byte.
    assert saved["model"]["vocab"] == {t: i for i, t in enumerate(tokens)}
    assert Tokenizer.from_file(str(OUT / "tokenizer.json")).get_vocab_size() == COUNT
    cross_check_with_transformers(OUT / "vocab.txt", saved)
    print(f"wrote {(OUT / 'vocab.txt').relative_to(ROOT)} ({len(tokens)} lines, {len(text)} bytes, sha256 {digest})"
          f" and {(OUT / 'tokenizer.json').relative_to(ROOT)} ({(OUT / 'tokenizer.json').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
