"""to_parquet and python -m drbert_data.text (skipped where pyarrow is not installed)."""
import json
import subprocess
import sys

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

import drbert_data  # noqa: E402
from conftest import CORPUS, VOCAB  # noqa: E402


def test_to_parquet_writes_every_instance_as_stored(prep, data, tmp_path):
    files = drbert_data.to_parquet(data["instances"], tmp_path / "pq", rows_per_file=500, batch_size=64, seed=2)
    assert [f.name for f in files] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet",
                                       "part-00003.parquet"]
    table = pa.concat_tables([pq.read_table(f) for f in files])
    records = prep.inspect(data["instances"])
    assert sorted(table.column("sample_index").to_pylist()) == list(range(len(records)))
    for row in table.to_pylist():
        record = records[row["sample_index"]]
        assert row["input_ids"] == record["input_ids"]
        assert row["token_type_ids"] == record["segment_ids"]
        labels = [-100] * len(record["input_ids"])
        for p, l in zip(record["masked_positions"], record["masked_labels"]):
            labels[p] = l
        assert row["labels"] == labels
        assert row["next_sentence_label"] == record["next_sentence_label"]
    assert not list((tmp_path / "pq").glob(".*")), "no temporary files left"


def test_text_column_feeds_prep_tokenize(prep, tmp_path):
    documents = [d for d in CORPUS.read_text(encoding="utf-8").split("\n\n") if d.strip()][:60]
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"text": d}, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    table = pa.table({"id": list(range(len(documents))), "body": documents})
    pq.write_table(table, tmp_path / "docs.parquet", row_group_size=7)
    with pa.OSFile(str(tmp_path / "docs.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=11)
    direct = tmp_path / "direct"
    prep("tokenize", "--vocab", VOCAB, "--input", jsonl, "--output", direct)
    for name in ("docs.parquet", "docs.arrow"):
        text = subprocess.run([sys.executable, "-m", "drbert_data.text", tmp_path / name, "--column", "body"],
                              capture_output=True, check=True).stdout
        assert text == jsonl.read_bytes()
        piped = tmp_path / ("piped-" + name)
        done = subprocess.run([prep.path, "tokenize", "--vocab", str(VOCAB), "--input", "-", "--format", "jsonl",
                               "--output", str(piped)], input=text, capture_output=True)
        assert done.returncode == 0, done.stderr
        assert prep.inspect(piped) == prep.inspect(direct)
    missing = subprocess.run([sys.executable, "-m", "drbert_data.text", tmp_path / "docs.parquet", "--column", "x"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "no column 'x'" in missing.stderr
