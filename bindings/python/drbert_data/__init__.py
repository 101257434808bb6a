"""drbert_data: drbert-swift's instance and document shards for Python trainers.

`Loader` streams one rank's batches through the Swift engine (libdrbert_data), in the
order, with the masks and the resume of `prep stream`. `drbert_data.torch` adapts it to
PyTorch's DataLoader (torch is optional and imported only there); `to_parquet` and
`python -m drbert_data.text` (pyarrow, optional) convert to and from Parquet.
"""
from ._library import DrbertDataError
from .loader import Loader


def to_parquet(paths, out_dir, **kwargs):
    """The instances as Parquet files (needs pyarrow); see drbert_data.parquet.to_parquet."""
    from .parquet import to_parquet as write
    return write(paths, out_dir, **kwargs)


__all__ = ["Loader", "DrbertDataError", "to_parquet"]
__version__ = "0.1.0"
