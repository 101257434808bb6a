"""`to_parquet`: the instances as Parquet files (pyarrow needed), for readers such as
`datasets.load_dataset("parquet", data_files=...)`."""
import os
import pathlib

import numpy as np

from .loader import Loader


def to_parquet(paths, out_dir, rows_per_file=100_000, batch_size=1024, **settings):
    """Writes every sample of one epoch of `paths` (the Loader's order for `seed`/`epoch`
    in `settings`; `sample_index` is the stored order) to out_dir/part-NNNNN.parquet, one row
    per sample, unpadded: input_ids, token_type_ids, labels (original id at masked positions,
    -100 elsewhere), next_sentence_label when the data has pairs, sample_index. Document
    datasets need `mask=` as for `Loader`. Each file is written under a temporary name and
    renamed when complete. Returns the paths written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written, pending, count = [], [], 0

    def flush():
        nonlocal pending
        if not pending:
            return
        columns = {name: [row[name] for row in pending] for name in pending[0]}
        table = pa.table({
            name: pa.array(values, type=pa.int64() if name in ("sample_index", "next_sentence_label")
                           else pa.list_(pa.int32()))
            for name, values in columns.items()})
        target = out / ("part-%05d.parquet" % len(written))
        temporary = out / (".%s.tmp-%d" % (target.name, os.getpid()))
        pq.write_table(table, temporary)
        os.replace(temporary, target)
        written.append(target)
        pending = []

    for batch in Loader(paths, batch_size, **settings):
        lengths = batch["attention_mask"].sum(axis=1)
        for row, n in enumerate(lengths):
            record = {name: batch[name][row, :n].astype(np.int32).tolist()
                      for name in ("input_ids", "token_type_ids", "labels")}
            if "next_sentence_label" in batch:
                record["next_sentence_label"] = int(batch["next_sentence_label"][row])
            record["sample_index"] = int(batch["sample_index"][row])
            pending.append(record)
            count += 1
            if len(pending) == rows_per_file:
                flush()
    flush()
    return written
