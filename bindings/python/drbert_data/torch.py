"""PyTorch adapters (torch is needed only here): `IterableDataset` spreads one rank's
batches over DataLoader workers, `DataLoader` counts what the training loop took so that
`state_dict()` is the exact position to checkpoint.

    dataset = drbert_data.torch.IterableDataset("data/instances", batch_size=32, seed=1)
    loader = drbert_data.torch.DataLoader(dataset, num_workers=2)
    for step, batch in enumerate(loader):   # dicts of torch tensors, HF names
        ...
        checkpoint["data"] = loader.state_dict()
    loader.load_state_dict(checkpoint["data"])  # after a restart: the rest, exactly

Worker w of N reads the rank's batches w, w+N, w+2N, … (rank r of W becomes rank r + w·W of
W·N over the same global stream), so after DataLoader merges its workers round-robin the
batches come in the rank's order, each once. Rank and world size come from
torch.distributed when it is initialised and none are given.
"""
import torch
import torch.utils.data

from .loader import Loader

__all__ = ["IterableDataset", "DataLoader"]


class IterableDataset(torch.utils.data.IterableDataset):
    """One rank's batches (already batched: use with `batch_size=None`, or `DataLoader`
    below) as dicts of int64 arrays, which DataLoader hands out as tensors. Keywords are
    `drbert_data.Loader`'s."""

    def __init__(self, paths, batch_size, seed=0, epoch=0, world_size=None, rank=None, **settings):
        super().__init__()
        self.paths, self.batch_size, self.seed, self.epoch = paths, batch_size, seed, epoch
        self._world_size, self._rank, self.settings = world_size, rank, settings
        self._start = None  # the state this pass started from (None: the start of `epoch`)
        self.consumed = 0  # batches the consumer took since `_start` (DataLoader counts them)
        self._bookkeeper = None

    def ranks(self):
        """(rank, world size): as given, else torch.distributed's, else (0, 1)."""
        if self._world_size is not None:
            return (self._rank or 0), self._world_size
        import torch.distributed as dist
        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return (self._rank or 0), 1

    def _loader(self, world_size, rank, **extra):
        settings = dict(self.settings, **extra)
        return Loader(self.paths, self.batch_size, seed=self.seed, epoch=self.epoch, world_size=world_size,
                      rank=rank, state=self._start, **settings)

    def __iter__(self):
        rank, world = self.ranks()
        info = torch.utils.data.get_worker_info()
        workers, worker = (1, 0) if info is None else (info.num_workers, info.id)
        # numpy dicts: torch's DataLoader (batch_size=None) converts them to tensors; ours
        # converts them after the hand-over, which pickles plain arrays through the worker
        # pipe — about twice the batches/s of handing over tensors in shared memory.
        yield from self._loader(world * workers, rank + worker * world)

    def state_dict(self):
        """The position after the batches consumed: what `prep stream --save-state` writes
        after as many batches of this rank (ranks checkpoint in lockstep)."""
        if self._bookkeeper is None:  # reads no data: only the layout, to know the position
            rank, world = self.ranks()
            self._bookkeeper = self._loader(world, rank, threads=0, prefetch=1)
        return self._bookkeeper.state_after(self.consumed)

    def load_state_dict(self, state):
        """Continues from `state` (at this run's rank and world size: elastic)."""
        self._start, self.consumed, self._bookkeeper = dict(state), 0, None
        self.state_dict()  # refuses a state of another dataset now, not in a worker

    def next_pass(self):
        """Starts the next pass where the consumer stopped (a finished epoch: the next one)."""
        if self.consumed:
            self.load_state_dict(self.state_dict())

    def set_epoch(self, epoch):
        """Starts epoch `epoch` from its beginning."""
        self.epoch, self._start, self.consumed, self._bookkeeper = int(epoch), None, 0, None


def _unchanged(batch):
    return batch


class DataLoader(torch.utils.data.DataLoader):
    """A torch DataLoader over an `IterableDataset` that counts the batches the loop takes,
    so `state_dict()` is exact however far the workers have read ahead. Each `iter()` goes
    on from there (after a full epoch: the next epoch). Keep persistent_workers off."""

    def __init__(self, dataset, num_workers=0, **kwargs):
        if kwargs.get("persistent_workers"):
            raise ValueError("drbert_data.torch.DataLoader restarts workers at each pass: persistent_workers=False")
        kwargs.setdefault("collate_fn", _unchanged)
        super().__init__(dataset, batch_size=None, num_workers=num_workers, **kwargs)

    def __iter__(self):
        self.dataset.next_pass()
        for batch in super().__iter__():
            self.dataset.consumed += 1
            yield {name: torch.as_tensor(array) for name, array in batch.items()}

    def __len__(self):
        rank, world = self.dataset.ranks()
        return len(self.dataset._loader(world, rank, threads=0, prefetch=1))

    def state_dict(self):
        return self.dataset.state_dict()

    def load_state_dict(self, state):
        self.dataset.load_state_dict(state)
