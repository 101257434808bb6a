"""MosaicML `streaming` side of Scripts/bench/loader.

write: converts instances (JSON lines as printed by `prep inspect --json`) to MDS with
       zstd compression, the same columns and integer widths as our instance shards.
read:  one shuffled epoch through StreamingDataset + torch DataLoader with the same
       batch size and worker count as our loader, collating into padded int32 arrays
       (input ids, attention mask, segment ids, masked positions/labels padded to the
       batch's most) like prep stream's batches; prints one JSON line with the rate.
"""
import argparse
import json
import sys
import time

import numpy as np


def write(args):
    from streaming import MDSWriter

    # Raw little-endian bytes (MDS `ndarray` cannot hold an empty array, and a sample may
    # have no masks); widths as in our shards: uint16 ids, uint8 segments.
    columns = {
        "input_ids": "bytes",
        "segment_ids": "bytes",
        "masked_positions": "bytes",
        "masked_labels": "bytes",
        "next_sentence_label": "int",
    }
    n = 0
    with MDSWriter(out=args.out, columns=columns, compression="zstd", size_limit=1 << 26) as w, open(args.jsonl) as f:
        for line in f:
            r = json.loads(line)
            w.write({
                "input_ids": np.asarray(r["input_ids"], dtype="<u2").tobytes(),
                "segment_ids": np.asarray(r["segment_ids"], dtype=np.uint8).tobytes(),
                "masked_positions": np.asarray(r["masked_positions"], dtype="<u2").tobytes(),
                "masked_labels": np.asarray(r["masked_labels"], dtype="<u2").tobytes(),
                "next_sentence_label": int(r.get("next_sentence_label", -1)),
            })
            n += 1
    print(json.dumps({"written": n}))


def decode(s):
    return {
        "input_ids": np.frombuffer(s["input_ids"], dtype="<u2"),
        "segment_ids": np.frombuffer(s["segment_ids"], dtype=np.uint8),
        "masked_positions": np.frombuffer(s["masked_positions"], dtype="<u2"),
        "masked_labels": np.frombuffer(s["masked_labels"], dtype="<u2"),
        "next_sentence_label": s["next_sentence_label"],
    }


def collate(samples):
    samples = [decode(s) for s in samples]
    b = len(samples)
    length = max(len(s["input_ids"]) for s in samples)
    preds = max(len(s["masked_positions"]) for s in samples)
    ids = np.zeros((b, length), dtype=np.int32)
    mask = np.zeros((b, length), dtype=np.int32)
    seg = np.zeros((b, length), dtype=np.int32)
    pos = np.zeros((b, preds), dtype=np.int32)
    lab = np.full((b, preds), -1, dtype=np.int32)
    nsp = np.empty(b, dtype=np.int32)
    for i, s in enumerate(samples):
        n, m = len(s["input_ids"]), len(s["masked_positions"])
        ids[i, :n] = s["input_ids"]
        mask[i, :n] = 1
        seg[i, :n] = s["segment_ids"]
        pos[i, :m] = s["masked_positions"]
        lab[i, :m] = s["masked_labels"]
        nsp[i] = s["next_sentence_label"]
    return ids, mask, seg, pos, lab, nsp


def read(args):
    import torch
    from streaming import StreamingDataset
    from streaming.base.util import clean_stale_shared_memory

    torch.set_num_threads(1)
    clean_stale_shared_memory()
    start = time.perf_counter()
    ds = StreamingDataset(local=args.mds, shuffle=True, shuffle_seed=args.seed, batch_size=args.batch_size)
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, num_workers=args.workers,
                                         collate_fn=collate, persistent_workers=False)
    samples = 0
    for batch in loader:
        samples += batch[0].shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"samples": samples, "seconds": seconds, "samples_per_second": samples / seconds}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--jsonl", required=True)
    w.add_argument("--out", required=True)
    r = sub.add_parser("read")
    r.add_argument("--mds", required=True)
    r.add_argument("--batch-size", type=int, default=64)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    {"write": write, "read": read}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
