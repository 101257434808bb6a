"""`Loader`: one rank's batches from drbert-swift shards, through the Swift engine."""
import ctypes
import json
import os
import threading

import numpy as np

from ._library import DrbertDataError, call, lib, take_string

# Python keyword → the `prep stream` setting it sets (StreamSettings' JSON key).
_SETTINGS = {
    "weights": "weights", "pad_to": "padTo", "max_predictions": "maxPredictions", "threads": "threads",
    "prefetch": "prefetch", "window_blocks": "windowBlocks", "block_records": "blockRecords",
    "bucket_batches": "bucketBatches", "skip_corrupt": "skipCorrupt", "mask": "mask",
    "masked_lm_prob": "maskedLmProb", "vocab": "vocab", "max_seq_length": "maxSeqLength", "pairs": "pairs",
    "short_seq_prob": "shortSeqProb",
}


class Loader:
    """Iterable of batches (dicts of int64 numpy arrays in Hugging Face names) of one rank,
    in exactly the order of `prep stream` with the same settings.

    `paths`: one dataset directory or several (mixed by `weights`). Keywords are those of
    `prep stream` (`pad_to`, `bucket_batches`, `mask="whole-word"`, `pairs="nsp"`, …).
    Iterating yields the rest of the current epoch; iterating again after its end goes on
    with the next epoch (as `prep stream --resume` does with a complete state).
    """

    def __init__(self, paths, batch_size, seed=0, epoch=0, world_size=1, rank=0, *, state=None, **settings):
        unknown = sorted(set(settings) - set(_SETTINGS))
        if unknown:
            raise TypeError("unknown Loader setting(s): %s (known: %s)" % (", ".join(unknown), ", ".join(_SETTINGS)))
        self._settings = {
            "directories": [str(p) for p in ([paths] if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__") else paths)],
            "batchSize": int(batch_size), "seed": int(seed), "epoch": int(epoch),
            "worldSize": int(world_size), "rank": int(rank),
        }
        for key, value in settings.items():
            if value is not None:
                self._settings[_SETTINGS[key]] = list(map(float, value)) if key == "weights" else value
        self._resume = None
        self._handle = None
        self._finished = False
        # next + fill is one step: threads sharing the loader must not interleave them.
        self._step = threading.RLock()
        if state is not None:
            self.load_state_dict(state)

    # -- the stream ------------------------------------------------------------------
    def _open(self):
        with self._step:
            return self._open_locked()

    def _open_locked(self):
        if self._handle is None:
            handle = ctypes.c_void_p()
            state = json.dumps(self._resume).encode() if self._resume is not None else None
            call(lib.drbert_data_open, json.dumps(self._settings).encode(), state, ctypes.byref(handle))
            self._handle = handle
            self._owner = os.getpid()
            self._finished = False
        return self._handle

    def _reopen_from(self, state):
        self.close()
        self._resume = state

    def __iter__(self):
        if self._finished:  # the epoch is over: continue with the next one
            state = self.state_dict()
            self._settings["epoch"] = None
            self._settings["seed"] = None
            self._reopen_from(state)
        handle = self._open()
        rows, length, pairs = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int32()
        shape = (ctypes.byref(rows), ctypes.byref(length), ctypes.byref(pairs))
        error = ctypes.create_string_buffer(2048)  # used under the lock only
        capacity = len(error)
        next_batch, fill, empty, int64 = lib.drbert_data_next, lib.drbert_data_fill, np.empty, np.int64
        step_lock = self._step
        while True:
            with step_lock:
                if self._handle is not handle:
                    return  # reopened (set_epoch / load_state_dict) while iterating
                # The hot loop calls the functions directly (no `call` wrapper): per batch, the
                # Python around the two C calls is what the loader's speed is measured by.
                status = next_batch(handle, *shape, error, capacity)
                if status <= 0:
                    if status < 0:
                        raise DrbertDataError(error.value.decode("utf-8", "replace"), status)
                    self._finished = True
                    return
                n, l = rows.value, length.value
                # Two allocations per batch; Swift writes every array in place (no copy after).
                grid = empty((4, n, l), dtype=int64)
                per_row = empty((2, n), dtype=int64)
                at, step, rows_at = grid.ctypes.data, n * l * 8, per_row.ctypes.data
                status = fill(handle, at, at + step, at + 2 * step, at + 3 * step, rows_at, rows_at + n * 8, error,
                              capacity)
                if status < 0:
                    raise DrbertDataError(error.value.decode("utf-8", "replace"), status)
            batch = {"input_ids": grid[0], "attention_mask": grid[1], "token_type_ids": grid[2], "labels": grid[3]}
            if pairs.value:
                batch["next_sentence_label"] = per_row[0]
            batch["sample_index"] = per_row[1]
            yield batch

    def __len__(self):
        """This rank's batches from where the loader starts (or resumed) to the epoch's end."""
        batches = ctypes.c_int64()
        call(lib.drbert_data_counts, self._open(), ctypes.byref(batches), None, None)
        return batches.value

    @property
    def samples_per_epoch(self):
        """Samples in one epoch over all ranks."""
        samples = ctypes.c_int64()
        call(lib.drbert_data_counts, self._open(), None, ctypes.byref(samples), None)
        return samples.value

    @property
    def epoch(self):
        return self.state_dict()["epoch"]

    # -- position --------------------------------------------------------------------
    def state_dict(self):
        """The position after the batches taken: equal to the JSON `prep stream --save-state` writes."""
        text = ctypes.c_void_p()
        call(lib.drbert_data_state, self._open(), ctypes.byref(text))
        return json.loads(take_string(text))

    def state_after(self, batches):
        """The state once every rank has taken `batches` batches from where this loader
        started, however many it has read itself."""
        text = ctypes.c_void_p()
        call(lib.drbert_data_state_after, self._open(), int(batches), ctypes.byref(text))
        return json.loads(take_string(text))

    def load_state_dict(self, state):
        """Continues the stream saved in `state` (a `state_dict()` or a `--save-state` file's
        JSON) at this loader's world size and rank; seed and epoch come from the state, and a
        complete epoch continues with the next. Errors (another dataset, bad state) are raised here."""
        self._settings["seed"] = None
        self._settings["epoch"] = None
        self._reopen_from(dict(state))
        self._open()

    def set_epoch(self, epoch):
        """Starts epoch `epoch` from its beginning (same seed)."""
        seed = self.state_dict()["seed"] if self._handle is not None else self._settings["seed"]
        self.close()
        self._resume = None
        self._settings["seed"] = seed
        self._settings["epoch"] = int(epoch)

    def close(self):
        if self._handle is not None:
            # A forked child (e.g. a DataLoader worker) has a copy of the handle but not the
            # loader's threads: only the process that opened it stops them.
            if self._owner == os.getpid():
                lib.drbert_data_close(self._handle)
            self._handle = None
        self._finished = False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
