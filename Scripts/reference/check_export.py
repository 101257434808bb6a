#!/usr/bin/env python3
"""Live check of `prep export` against transformers, and the generator of the committed
fixture Tests/TrainingTests/Fixtures/bert_export_parity.safetensors.

  check_export.py fixture OUT.safetensors [--corpus DIR]
  check_export.py check [--corpus DIR]        (fixture in a temp dir + `swift test` against it)

Steps:
  1. a small WordPiece vocab.txt from Corpora/ text (specials, characters, ##characters and
     the most frequent words), so a tiny model needs no 30k-row embedding table;
  2. `prep train` a tiny encoder with BERT's MLM head (synthetic batches, so weights, biases
     and LayerNorms move away from their initial values) and `prep export` it (BertForPreTraining
     layout); the key set must equal what transformers' own `save_pretrained` writes for a
     BertForPreTraining of that config;
  3. load it in BertForPreTraining (no missing, unexpected or mismatched keys), BertForMaskedLM
     and BertModel (no missing or mismatched keys; unexpected only the other heads, exactly as
     for transformers' own BertForPreTraining checkpoint); BertForMaskedLM's and
     BertForPreTraining's masked logits must agree;
  4. AutoTokenizer.from_pretrained(export) must be fast and give, on Corpora/ lines, the ids of
     the pinned reference (tokenizers' BertWordPieceTokenizer on vocab.txt) and of `prep encode`
     with the exported tokenizer.json, lowercasing and (an export with --cased) not; `prep export --vocab export/tokenizer.json` must write the
     same tokenizer files again;
  5. a BPDec run exports as a BertModel (loads with no missing/unexpected keys); with
     --with-decoder it keeps decoder.* / cls.* (only those are unexpected);
  6. the fixture: exported weights, a tokenized batch with [MASK]ed positions, transformers'
     last hidden states and masked-position MLM logits, and the key sets transformers writes
     for BertForPreTraining and BertModel. `swift test` (ExportParityTests) runs our model on
     the same weights and batch (max rel. error <= 1e-4) and checks our exporter's key sets.

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


TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
ID_LINES = 300  # Corpora/ lines per file for the tokenizer comparison


def run_json(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def train_tiny(work, vocab, decoder):
    cfg = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               max_position_embeddings=64)
    with open(os.path.join(work, "model.json"), "w") as f:
        json.dump(cfg, f)
    run = os.path.join(work, "run-" + decoder)
    subprocess.run([prep_binary(), "train", "--synthetic-vocab", str(len(vocab)), "--model",
                    os.path.join(work, "model.json"), "--decoder", decoder, "--steps", "30", "--lr", "1e-2",
                    "--batch-size", "8", "--max-length", "32", "--max-predictions", "5", "--seed", "9",
                    "--out", run], check=True, stdout=subprocess.DEVNULL)
    return run


def export(run, out, vocab_path, *extra):
    summary = run_json([prep_binary(), "export", run, "--output", out, "--vocab", vocab_path, "--json", *extra])
    return out, summary


def loading_problems(cls, path):
    model, info = cls.from_pretrained(path, output_loading_info=True, attn_implementation="eager")
    return model, {k: set(v) for k, v in info.items() if v}


def hf_saved_keys(cls, config, work):
    """The tensors transformers' own save_pretrained writes for `cls` of `config`, and what
    loading that directory in each class reports (the baseline our export must equal)."""
    from safetensors.torch import load_file
    d = os.path.join(work, "hf-" + cls.__name__)
    cls(config).save_pretrained(d)
    return d, sorted(load_file(os.path.join(d, "model.safetensors")))


def check_tokenizer(export_dir, corpus, work, lowercase=True):
    """AutoTokenizer (fast, from our tokenizer.json) == pinned reference == prep encode."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(export_dir)
    assert tok.is_fast, type(tok)
    ref = BertWordPieceTokenizer(os.path.join(export_dir, "vocab.txt"), lowercase=lowercase)
    lines = []
    for spec in VOCAB_FILES + ["zh", "mixed"]:
        for path in corpus_files(corpus, spec):
            with open(path, encoding="utf-8") as f:
                lines += [l for l in f.read().split("\n")[:ID_LINES] if l.strip()]
    text = os.path.join(work, "lines.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    ours = subprocess.run([prep_binary(), "encode", "--vocab", os.path.join(export_dir, "tokenizer.json"),
                           "--input", text], check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()
    assert len(ours) == len(lines), (len(ours), len(lines))
    for i, line in enumerate(lines):
        auto = tok(line)["input_ids"]
        assert auto == ref.encode(line).ids, f"line {i}: AutoTokenizer differs from the reference: {line!r}"
        assert auto == json.loads(ours[i]), f"line {i}: AutoTokenizer differs from prep encode: {line!r}"
    return tok, len(lines)


def masked_batch(tok, lines, per_row=6):
    enc = tok(lines, padding=True, truncation=True, max_length=64, return_tensors="pt")
    ids = enc["input_ids"].clone()
    b = ids.shape[0]
    positions = [[0] * per_row for _ in range(b)]
    labels = [[-1] * per_row for _ in range(b)]
    for r in range(b):
        real = [t for t in range(ids.shape[1]) if enc["attention_mask"][r, t] and
                int(ids[r, t]) not in (tok.cls_token_id, tok.sep_token_id)]
        for k, t in enumerate(real[1::3][:per_row]):
            positions[r][k] = t
            labels[r][k] = int(ids[r, t])
            ids[r, t] = tok.mask_token_id
    enc["input_ids"] = ids
    return enc, positions, labels


def write_fixture(path, corpus):
    import torch
    import transformers
    from safetensors.torch import load_file, save_file
    from transformers import BertConfig, BertForMaskedLM, BertForPreTraining, BertModel
    # The load reports of the expected unexpected keys are asserted below; keep the log short.
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as work:
        vocab = build_vocab(corpus)
        vocab_path = os.path.join(work, "vocab.txt")
        with open(vocab_path, "w", encoding="utf-8") as f:
            f.write("\n".join(vocab) + "\n")
        run = train_tiny(work, vocab, "mlm")
        out, summary = export(run, os.path.join(work, "export"), vocab_path)
        assert summary["architecture"] == "BertForPreTraining", summary
        config = BertConfig.from_pretrained(out)
        weights = load_file(os.path.join(out, "model.safetensors"))

        # Key sets: exactly what transformers writes, and what it reports loading that.
        hf_dir, pretraining_keys = hf_saved_keys(BertForPreTraining, config, work)
        _, bert_model_keys = hf_saved_keys(BertModel, config, work)
        assert sorted(weights) == pretraining_keys, sorted(set(weights) ^ set(pretraining_keys))
        models = {}
        for cls in (BertForPreTraining, BertForMaskedLM, BertModel):
            models[cls], problems = loading_problems(cls, out)
            _, baseline = loading_problems(cls, hf_dir)
            assert problems == baseline, f"{cls.__name__}: {problems} (transformers' own checkpoint: {baseline})"
            assert not problems.get("missing_keys") and not problems.get("mismatched_keys"), problems
            assert set(problems.get("unexpected_keys", ())) <= {k for k in pretraining_keys if "pooler" in k or
                                                                 k.startswith("cls.")}, problems
        assert not loading_problems(BertForPreTraining, out)[1]

        tok, n_lines = check_tokenizer(out, corpus, work)
        cased, _ = export(run, os.path.join(work, "export-cased"), vocab_path, "--cased")
        check_tokenizer(cased, corpus, work, lowercase=False)
        again, _ = export(run, os.path.join(work, "export-again"), os.path.join(out, "tokenizer.json"))
        for name in TOKENIZER_FILES:
            with open(os.path.join(out, name), "rb") as a, open(os.path.join(again, name), "rb") as b:
                assert a.read() == b.read(), f"--vocab tokenizer.json changed {name}"

        lines = probe_lines(corpus)
        enc, positions, labels = masked_batch(tok, lines)
        rows = [r * enc["input_ids"].shape[1] + t for r in range(len(lines)) for t, l in
                zip(positions[r], labels[r]) if l >= 0]
        for m in models.values():
            m.eval()
        with torch.no_grad():
            mlm = models[BertForMaskedLM](**enc).logits.reshape(-1, config.vocab_size)[rows]
            pre = models[BertForPreTraining](**enc).prediction_logits.reshape(-1, config.vocab_size)[rows]
            hidden = models[BertModel](**enc).last_hidden_state
        assert (mlm - pre).abs().max().item() <= 1e-6 * mlm.abs().max().item()

        # Decoder runs: BertModel layout; --with-decoder keeps decoder.* and cls.* only.
        bpdec = train_tiny(work, vocab, "bpdec")
        plain, s = export(bpdec, os.path.join(work, "export-bpdec"), vocab_path)
        assert s["architecture"] == "BertModel" and any("dropped" in n for n in s["notes"]), s
        assert sorted(load_file(os.path.join(plain, "model.safetensors"))) == bert_model_keys
        assert not loading_problems(BertModel, plain)[1]
        kept, s = export(bpdec, os.path.join(work, "export-bpdec-decoder"), vocab_path, "--with-decoder")
        problems = loading_problems(BertModel, kept)[1]
        assert set(problems) == {"unexpected_keys"}, problems
        assert all(k.startswith(("decoder.", "cls.")) for k in problems["unexpected_keys"]), problems

        with open(os.path.join(out, "config.json")) as f:
            config_text = f.read()
        tensors = {"weights/" + k: v.contiguous() for k, v in weights.items()}
        tensors["input/input_ids"] = enc["input_ids"].int()
        tensors["input/token_type_ids"] = enc["token_type_ids"].int()
        tensors["input/attention_mask"] = enc["attention_mask"].int()
        tensors["input/masked_positions"] = torch.tensor(positions, dtype=torch.int32)
        tensors["input/masked_labels"] = torch.tensor(labels, dtype=torch.int32)
        tensors["hf/last_hidden_state"] = hidden.contiguous()
        tensors["hf/masked_logits"] = mlm.contiguous()
        meta = {"generator": GENERATOR, "torch": torch.__version__, "transformers": transformers.__version__,
                "config": config_text, "state_dict_keys": json.dumps(pretraining_keys),
                "bert_model_keys": json.dumps(bert_model_keys), "lines": json.dumps(lines),
                "vocab": json.dumps(vocab)}
        save_file(tensors, path, metadata=meta)
        print(f"wrote {path}: {len(weights)} tensors in the BertForPreTraining layout load as transformers' own; "
              f"{len(rows)} masked positions; AutoTokenizer ids equal the reference and prep encode on "
              f"{n_lines} Corpora/ lines (lowercase and --cased); bpdec exports as BertModel (--with-decoder: decoder.*/cls.* only extra)")


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
