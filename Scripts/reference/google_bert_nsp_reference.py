#!/usr/bin/env python3
"""Statistical parity of `prep mask --pairs nsp` (per-token masking) with Google BERT.

The reference is google-research/bert `create_pretraining_data.py` as published on PyPI in
`bert-tensorflow==1.0.4` (its `create_instances_from_document`, `truncate_seq_pair` and
`create_masked_lm_predictions`, run unmodified; TensorFlow and the tokenizer module are replaced by
stubs because only their flag definitions are touched at import time). Its random generator is
Python's, ours is xoshiro256**, so instances cannot match byte for byte; what must match are the
distributions: instances per document, lengths, segment A/B lengths, the share of random next
sentences, masked positions per instance and the 80/10/10 outcomes.

  # Compare our instances (prep inspect --json of a mask run) with the reference on the same documents:
  google_bert_nsp_reference.py --bert-wheel W.whl --documents docs.jsonl --instances inst.jsonl --dupe-factor 10
  # Write the golden fixture the Swift test reads (documents + reference statistics):
  google_bert_nsp_reference.py --bert-wheel W.whl --documents docs.jsonl --write-fixture F.json --max-documents 40

docs.jsonl is `prep inspect TOKDIR --json` (token_ids + sentence_lengths per line).
"""
import argparse, importlib.util, json, random, sys, types, zipfile, tempfile, os

MAX_SEQ, SHORT_SEQ_PROB, MLM_PROB, MAX_PRED, SEED = 128, 0.1, 0.15, 20, 12345
CLS, SEP, MASK = 101, 102, 103   # bert-base-uncased ids


def load_reference(wheel):
    """Imports create_pretraining_data.py from the wheel with stub tensorflow / bert.tokenization."""
    flags = types.SimpleNamespace(FLAGS=types.SimpleNamespace(), **{
        f"DEFINE_{k}": (lambda *a, **kw: None) for k in ("string", "bool", "integer", "float")})
    v1 = types.ModuleType("tensorflow.compat.v1"); v1.flags = flags
    compat = types.ModuleType("tensorflow.compat"); compat.v1 = v1
    tf = types.ModuleType("tensorflow"); tf.compat = compat
    bert = types.ModuleType("bert"); bert.__path__ = []
    tok = types.ModuleType("bert.tokenization"); bert.tokenization = tok
    sys.modules.update({"tensorflow": tf, "tensorflow.compat": compat, "tensorflow.compat.v1": v1,
                        "bert": bert, "bert.tokenization": tok})
    d = tempfile.mkdtemp()
    with zipfile.ZipFile(wheel) as z:
        z.extract("bert/create_pretraining_data.py", d)
    spec = importlib.util.spec_from_file_location("cpd", os.path.join(d, "bert/create_pretraining_data.py"))
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m


def read_documents(path, limit=None):
    docs = []
    for line in open(path):
        o = json.loads(line)
        ids, sents, at = o["token_ids"], [], 0
        for n in o["sentence_lengths"]:
            if n: sents.append(ids[at:at + n])
            at += n
        docs.append(sents)
        if limit and len(docs) >= limit: break
    return docs


def reference_instances(cpd, docs, dupe, vocab_size):
    """Google's create_training_instances loop without the tokenizer: documents in, instances out."""
    rng = random.Random(SEED)
    all_docs = [[[str(t) for t in s] for s in d] for d in docs if d]   # Google drops empty documents
    rng.shuffle(all_docs)
    vocab_words = [str(i) for i in range(vocab_size)]
    out = []
    for _ in range(dupe):
        for i in range(len(all_docs)):
            for inst in cpd.create_instances_from_document(all_docs, i, MAX_SEQ, SHORT_SEQ_PROB, MLM_PROB,
                                                            MAX_PRED, vocab_words, rng):
                ids = [CLS if t == "[CLS]" else SEP if t == "[SEP]" else MASK if t == "[MASK]" else int(t)
                       for t in inst.tokens]
                out.append({"input_ids": ids, "segment_ids": inst.segment_ids,
                            "masked_positions": inst.masked_lm_positions,
                            "masked_labels": [int(t) for t in inst.masked_lm_labels],
                            "next_sentence_label": 1 if inst.is_random_next else 0})
    return out, len(all_docs)


def statistics(instances, documents, dupe):
    n = len(instances)
    lengths = [len(i["input_ids"]) for i in instances]
    a = [i["segment_ids"].count(0) - 2 for i in instances]
    b = [i["segment_ids"].count(1) - 1 for i in instances]
    masked = [len(i["masked_positions"]) for i in instances]
    outcome = [0, 0, 0]
    for i in instances:
        for p, label in zip(i["masked_positions"], i["masked_labels"]):
            t = i["input_ids"][p]
            outcome[0 if t == MASK else 1 if t == label else 2] += 1
    total = sum(outcome)
    return {
        "instances_per_document_copy": n / (documents * dupe),
        "mean_length": sum(lengths) / n,
        "full_length_fraction": sum(l == MAX_SEQ for l in lengths) / n,
        "short_fraction": sum(l < MAX_SEQ // 2 for l in lengths) / n,
        "mean_length_a": sum(a) / n, "mean_length_b": sum(b) / n,
        "random_next_fraction": sum(i["next_sentence_label"] for i in instances) / n,
        "mean_masked": sum(masked) / n,
        "mask_fraction": outcome[0] / total, "kept_fraction": outcome[1] / total, "random_fraction": outcome[2] / total,
    }


# Relative tolerance for means, absolute for fractions (sampling error at ~5k instances is ~1%).
TOLERANCE = {"instances_per_document_copy": ("rel", 0.04), "mean_length": ("rel", 0.03),
             "mean_length_a": ("rel", 0.05), "mean_length_b": ("rel", 0.06), "mean_masked": ("rel", 0.03),
             "full_length_fraction": ("abs", 0.03), "short_fraction": ("abs", 0.03),
             "random_next_fraction": ("abs", 0.03), "mask_fraction": ("abs", 0.01),
             "kept_fraction": ("abs", 0.01), "random_fraction": ("abs", 0.01)}


def compare(ours, ref):
    bad = []
    for k, (kind, tol) in TOLERANCE.items():
        diff = abs(ours[k] - ref[k]) / (abs(ref[k]) if kind == "rel" else 1)
        status = "ok" if diff <= tol else "MISMATCH"
        if status != "ok": bad.append(k)
        print(f"  {k:30s} ours {ours[k]:9.4f}  reference {ref[k]:9.4f}  {status}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bert-wheel", required=True)
    ap.add_argument("--documents", required=True)
    ap.add_argument("--instances")
    ap.add_argument("--write-fixture")
    ap.add_argument("--dupe-factor", type=int, default=10)
    ap.add_argument("--max-documents", type=int)
    ap.add_argument("--vocab-size", type=int, default=30522)
    args = ap.parse_args()
    cpd = load_reference(args.bert_wheel)
    docs = read_documents(args.documents, args.max_documents)
    ref_instances, ndocs = reference_instances(cpd, docs, args.dupe_factor, args.vocab_size)
    ref = statistics(ref_instances, ndocs, args.dupe_factor)
    if args.write_fixture:
        fixture = {"generator": "Scripts/reference/google_bert_nsp_reference.py",
                   "reference": "google-research/bert create_pretraining_data.py (PyPI bert-tensorflow 1.0.4), "
                                f"max_seq_length {MAX_SEQ}, short_seq_prob {SHORT_SEQ_PROB}, masked_lm_prob {MLM_PROB}, "
                                f"max_predictions_per_seq {MAX_PRED}, random_seed {SEED}, per-token masking",
                   "dupe_factor": args.dupe_factor, "tolerance": TOLERANCE, "reference_statistics": ref,
                   "documents": [{"sentences": d} for d in docs]}
        with open(args.write_fixture, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
        print(f"wrote {args.write_fixture}: {ndocs} documents, {len(ref_instances)} reference instances")
    if args.instances:
        ours = [json.loads(l) for l in open(args.instances)]
        bad = compare(statistics(ours, ndocs, args.dupe_factor), ref)
        if bad:
            print("google-bert-nsp parity: FAILED on " + ", ".join(bad)); sys.exit(1)
        print(f"google-bert-nsp parity: OK ({len(ours)} instances vs {len(ref_instances)} reference)")


if __name__ == "__main__":
    main()
