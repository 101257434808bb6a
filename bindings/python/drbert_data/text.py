"""python -m drbert_data.text FILES --column text: the text column of Parquet or Arrow files
as JSON lines ({"text": ...}, one document per row) on stdout, for
`prep tokenize --input - --format jsonl`. Reads a file batch by batch (bounded memory);
needs pyarrow. Exit 2 for a missing file or column."""
import argparse
import json
import sys


def batches(path, column):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.endswith(".parquet"):
        source = pq.ParquetFile(path)
        if column not in source.schema_arrow.names:
            raise KeyError(column)
        yield from source.iter_batches(columns=[column])
        return
    with pa.memory_map(path) as stream:  # Arrow IPC: file format, else stream format (HF datasets' .arrow)
        try:
            reader = pa.ipc.open_file(stream)
            parts = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            stream.seek(0)
            parts = pa.ipc.open_stream(stream)
        for part in parts:
            if column not in part.schema.names:
                raise KeyError(column)
            yield part.select([column])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m drbert_data.text", description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help=".parquet or Arrow IPC (.arrow/.feather) files")
    parser.add_argument("--column", default="text", help="the text column (default: text)")
    args = parser.parse_args(argv)
    out = sys.stdout
    for path in args.files:
        try:
            for part in batches(path, args.column):
                for value in part.column(0).to_pylist():
                    if value is not None:
                        out.write(json.dumps({"text": value}, ensure_ascii=False))
                        out.write("\n")
        except FileNotFoundError:
            print("error: %s: no such file" % path, file=sys.stderr)
            return 2
        except KeyError:
            print("error: %s: no column %r" % (path, args.column), file=sys.stderr)
            return 2
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
