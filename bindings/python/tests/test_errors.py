"""Failures are `DrbertDataError`s carrying the engine's message, never a crash."""
import json
import shutil

import pytest

import drbert_data


def test_corrupt_shard_is_an_exception_naming_it(data, tmp_path):
    copy = tmp_path / "corrupt"
    shutil.copytree(data["instances"], copy)
    shard = sorted(copy.glob("shard-*.drbs"))[1]
    raw = bytearray(shard.read_bytes())
    for k in range(len(raw) // 3, 2 * len(raw) // 3, 5):
        raw[k] ^= 0x5A
    shard.write_bytes(bytes(raw))
    with pytest.raises(drbert_data.DrbertDataError) as failure:
        for _ in drbert_data.Loader(copy, 8):
            pass
    assert shard.name in str(failure.value)
    assert failure.value.status == -2
    # Skipping corrupt blocks yields the rest.
    kept = sum(len(b["sample_index"]) for b in drbert_data.Loader(copy, 8, skip_corrupt=True))
    assert 0 < kept < drbert_data.Loader(data["instances"], 8).samples_per_epoch


def test_bad_input_is_an_exception(data, tmp_path):
    with pytest.raises(drbert_data.DrbertDataError, match="no such dataset directory"):
        len(drbert_data.Loader(tmp_path / "missing", 8))
    with pytest.raises(drbert_data.DrbertDataError, match="rank 3"):
        len(drbert_data.Loader(data["instances"], 8, world_size=2, rank=3))
    with pytest.raises(drbert_data.DrbertDataError, match="batch size"):
        len(drbert_data.Loader(data["instances"], 0))
    with pytest.raises(drbert_data.DrbertDataError, match="masking strategy"):
        len(drbert_data.Loader(data["instances"], 8, mask="wholeword"))
    with pytest.raises(TypeError, match="unknown Loader setting"):
        drbert_data.Loader(data["instances"], 8, batchsize=3)
    state = drbert_data.Loader(data["other"], 8).state_dict()
    with pytest.raises(drbert_data.DrbertDataError, match="does not match") as failure:
        drbert_data.Loader(data["instances"], 8).load_state_dict(state)
    assert failure.value.status == -1
    with pytest.raises(drbert_data.DrbertDataError, match="not a loader state"):
        drbert_data.Loader(data["instances"], 8, state={"seed": "x"})
    with pytest.raises(drbert_data.DrbertDataError, match="longer|more than"):
        for _ in drbert_data.Loader(data["instances"], 8, pad_to=16):
            pass
    json.dumps(state)  # a state is plain JSON
