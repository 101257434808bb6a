"""Every array of a batch is the stored instance `prep inspect --json` shows, in the
Hugging Face spelling (labels -100 outside masked positions), and dynamic masks on
document datasets are those of the engine `prep stream --mask` runs."""
import numpy as np

import drbert_data


def test_instance_batches_are_the_stored_instances(prep, data):
    records = prep.inspect(data["instances"])
    loader = drbert_data.Loader(data["instances"], 16, seed=1, pad_to=128)
    seen = 0
    for batch in loader:
        assert set(batch) == {"input_ids", "attention_mask", "token_type_ids", "labels", "next_sentence_label",
                              "sample_index"}
        assert batch["input_ids"].shape == (len(batch["sample_index"]), 128)
        for row, index in enumerate(batch["sample_index"]):
            record = records[index]
            n = len(record["input_ids"])
            assert batch["input_ids"][row, :n].tolist() == record["input_ids"]
            assert not batch["input_ids"][row, n:].any(), "[PAD] is 0 in bert-base-uncased"
            assert batch["attention_mask"][row].tolist() == [1] * n + [0] * (128 - n)
            assert batch["token_type_ids"][row, :n].tolist() == record["segment_ids"]
            labels = np.full(128, -100)
            labels[record["masked_positions"]] = record["masked_labels"]
            assert batch["labels"][row].tolist() == labels.tolist()
            assert batch["next_sentence_label"][row] == record["next_sentence_label"]
            seen += 1
    assert seen == len(records)


def masks(loader):
    out = {}
    for batch in loader:
        for row, index in enumerate(batch["sample_index"]):
            labels = batch["labels"][row]
            out[int(index)] = (np.flatnonzero(labels != -100).tolist(), labels[labels != -100].tolist())
    return out


def test_document_dataset_with_dynamic_masking(prep, data):
    expected = prep.stream_ids(data["tokens"], "--batch-size", 16, "--seed", 12345, "--mask", "whole-word")
    loader = drbert_data.Loader(data["tokens"], 16, seed=12345, mask="whole-word", threads=0)
    got, rows = [], {}
    for batch in loader:
        got.append(batch["sample_index"].tolist())
        assert "next_sentence_label" not in batch, "no pairs: no NSP labels"
        for row, index in enumerate(batch["sample_index"]):
            n = int(batch["attention_mask"][row].sum())
            ids = batch["input_ids"][row, :n].copy()
            labels = batch["labels"][row, :n]
            assert 0 < (labels != -100).sum() <= 19
            ids[labels != -100] = labels[labels != -100]
            rows[int(index)] = ids.tolist()
    assert got == expected

    # The instances are those `prep mask` writes with the same seed, once unmasked.
    prep("mask", "--input", data["tokens"], "--output", data["root"] / "static", "--whole-word", "--seed", 12345)
    for index, record in enumerate(prep.inspect(data["root"] / "static")):
        ids = list(record["input_ids"])
        for p, l in zip(record["masked_positions"], record["masked_labels"]):
            ids[p] = l
        assert rows[index] == ids

    # Masks: a function of (seed, epoch, sample), not of threads; redrawn every epoch.
    epoch0 = masks(drbert_data.Loader(data["tokens"], 16, seed=12345, mask="whole-word", threads=3))
    assert epoch0 == masks(drbert_data.Loader(data["tokens"], 16, seed=12345, mask="whole-word", threads=0))
    epoch1 = masks(drbert_data.Loader(data["tokens"], 16, seed=12345, epoch=1, mask="whole-word"))
    assert sum(epoch0[i] != epoch1[i] for i in epoch0) > 0.8 * len(epoch0)


def test_pairs_from_documents(prep, data):
    expected = prep.stream_ids(data["tokens"], "--batch-size", 16, "--mask", "span", "--pairs", "sop",
                               "--max-seq-length", 64)
    loader = drbert_data.Loader(data["tokens"], 16, mask="span", pairs="sop", max_seq_length=64)
    got = []
    for batch in loader:
        got.append(batch["sample_index"].tolist())
        assert set(batch["next_sentence_label"].tolist()) <= {0, 1}
        assert batch["input_ids"].shape[1] <= 64
    assert got == expected
