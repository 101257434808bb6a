#!/usr/bin/env python3
"""Live check of `prep export` against transformers.BertModel, and the generator of the
committed fixture Tests/TrainingTests/Fixtures/bert_export_parity.safetensors.

  check_export.py fixture OUT.safetensors [--corpus DIR]
  check_export.py check [--corpus DIR]        (fixture in a temp dir + `swift test` against it)

Steps:
  1. a small WordPiece vocab.txt from Corpora/ text (specials, characters, ##characters and
     the most frequent words), so a tiny model needs no 30k-row embedding table;
  2. `prep train` a tiny encoder with the BPDec decoder (synthetic batches, so the weights,
     biases and LayerNorms move away from their initial values) and `prep export` it;
  3. transformers.BertModel.from_pretrained(export) — no missing, unexpected or mismatched
     keys allowed — and AutoTokenizer.from_pretrained(export) on Corpora/ lines;
  4. the fixture: exported weights, the tokenized batch, transformers' last hidden states,
     the state-dict keys transformers expects. `swift test` (ExportParityTests) runs our
     encoder on the same weights and batch and compares (max rel. error <= 1e-4), and checks
     our exporter writes exactly the expected keys.

Needs torch (CPU) + transformers + safetensors + tokenizers: `$DRBERT_VENV/bin/python`.
PREP overrides the prep binary (default: .build/debug/prep, built if missing).
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATOR = "Scripts/reference/check_export.py"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCAB_FILES = ["en/kjv-sample.txt", "en/maint-guide-sample.txt", "fr", "de"]
PROBE_LINES = [("en/kjv-sample.txt", 0), ("en/kjv-sample.txt", 4), ("en/maint-guide-sample.txt", 13),
               ("en/maint-guide-sample.txt", 11)]


def corpus_files(corpus, spec):
    p = os.path.join(corpus, spec)
    if os.path.isdir(p):
        return sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".txt"))
    return [p]


def build_vocab(corpus, size_words=400):
    from tokenizers import normalizers, pre_tokenizers
    norm = normalizers.BertNormalizer(lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    words = collections.Counter()
    chars = set()
    for spec in VOCAB_FILES:
        for path in corpus_files(corpus, spec):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    for w, _ in pre.pre_tokenize_str(norm.normalize_str(line)):
                        words[w] += 1
                        chars.update(w)
    chars = sorted(chars)
    vocab = SPECIALS + chars + ["##" + c for c in chars]
    vocab += [w for w, _ in words.most_common() if w not in set(vocab)][:size_words]
    return vocab


def probe_lines(corpus):
    out = []
    for spec, i in PROBE_LINES:
        with open(os.path.join(corpus, spec), encoding="utf-8") as f:
            out.append(f.read().split("\n")[i])
    return out


def prep_binary():
    p = os.environ.get("PREP") or os.path.join(ROOT, ".build/debug/prep")
    if not os.path.exists(p):
        subprocess.run(["swift", "build", "--product", "prep"], cwd=ROOT, check=True)
    return p


def export_tiny(work, vocab):
    with open(os.path.join(work, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    cfg = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               max_position_embeddings=64)
    with open(os.path.join(work, "model.json"), "w") as f:
        json.dump(cfg, f)
    prep = prep_binary()
    run = os.path.join(work, "run")
    subprocess.run([prep, "train", "--synthetic-vocab", str(len(vocab)), "--model", os.path.join(work, "model.json"),
                    "--decoder", "bpdec", "--steps", "30", "--lr", "1e-2", "--batch-size", "8", "--max-length", "32",
                    "--max-predictions", "5", "--seed", "9", "--out", run], check=True)
    out = os.path.join(work, "export")
    subprocess.run([prep, "export", run, "--output", out, "--vocab", os.path.join(work, "vocab.txt")], check=True)
    return out


def write_fixture(path, corpus):
    import torch
    import transformers
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer, BertModel
    with tempfile.TemporaryDirectory() as work:
        vocab = build_vocab(corpus)
        export = export_tiny(work, vocab)
        model, info = BertModel.from_pretrained(export, output_loading_info=True, attn_implementation="eager")
        problems = {k: v for k, v in info.items() if v}
        assert not problems, f"BertModel.from_pretrained({export}) reports {problems}"
        weights = load_file(os.path.join(export, "model.safetensors"))
        assert not any(k.startswith(("cls.", "decoder.", "bert.")) for k in weights), sorted(weights)
        expected = sorted(model.state_dict().keys())
        assert sorted(weights) == expected, (sorted(set(weights) ^ set(expected)))
        tok = AutoTokenizer.from_pretrained(export)
        lines = probe_lines(corpus)
        enc = tok(lines, padding=True, truncation=True, max_length=64, return_tensors="pt")
        unk = (enc["input_ids"] == tok.unk_token_id).sum().item()
        model.eval()
        with torch.no_grad():
            hidden = model(**enc).last_hidden_state
        with open(os.path.join(export, "config.json")) as f:
            config = f.read()
        tensors = {"weights/" + k: v.contiguous() for k, v in weights.items()}
        tensors["input/input_ids"] = enc["input_ids"].int()
        tensors["input/token_type_ids"] = enc["token_type_ids"].int()
        tensors["input/attention_mask"] = enc["attention_mask"].int()
        tensors["hf/last_hidden_state"] = hidden.contiguous()
        meta = {"generator": GENERATOR, "torch": torch.__version__, "transformers": transformers.__version__,
                "config": config, "state_dict_keys": json.dumps(expected), "lines": json.dumps(lines),
                "vocab": json.dumps(vocab)}
        save_file(tensors, path, metadata=meta)
        print(f"wrote {path}: {len(weights)} exported tensors load into BertModel with no missing/unexpected keys; "
              f"{enc['input_ids'].shape[0]}x{enc['input_ids'].shape[1]} tokens ({unk} [UNK])")


def main(argv):
    corpus = os.path.join(ROOT, "Corpora")
    if "--corpus" in argv:
        i = argv.index("--corpus")
        corpus = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if len(argv) == 2 and argv[0] == "fixture":
        write_fixture(argv[1], corpus)
    elif len(argv) == 1 and argv[0] == "check":
        with tempfile.TemporaryDirectory() as d:
            fx = os.path.join(d, "bert_export_parity.safetensors")
            write_fixture(fx, corpus)
            env = dict(os.environ, DRBERT_EXPORT_FIXTURE=fx)
            r = subprocess.run(["swift", "test", "--filter", "ExportParityTests"], cwd=ROOT, env=env)
            sys.exit(r.returncode)
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
