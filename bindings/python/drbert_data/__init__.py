"""drbert_data: drbert-swift's instance and document shards for Python trainers.

`Loader` streams one rank's batches through the Swift engine (libdrbert_data), in the
order, with the masks and the resume of `prep stream`. `drbert_data.torch` adapts it to
PyTorch's DataLoader (torch is optional and imported only there).
"""
from ._library import DrbertDataError
from .loader import Loader

__all__ = ["Loader", "DrbertDataError"]
__version__ = "0.1.0"
