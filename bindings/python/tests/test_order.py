"""The order of `drbert_data.Loader` is `prep stream`'s: the same sample indices per batch,
for seeds, epochs, world sizes, mixing, bucketing, and across (elastic) resumes."""
import json

import pytest

import drbert_data


def loader_ids(loader, limit=None):
    out = []
    for batch in loader:
        out.append(batch["sample_index"].tolist())
        if limit is not None and len(out) == limit:
            break
    return out


@pytest.mark.parametrize("seed,epoch,world_size,rank", [(0, 0, 1, 0), (7, 0, 2, 1), (7, 3, 3, 2), (123, 1, 4, 0)])
def test_sample_index_is_print_ids(prep, data, seed, epoch, world_size, rank):
    expected = prep.stream_ids(data["instances"], "--batch-size", 16, "--seed", seed, "--epoch", epoch,
                               "--world-size", world_size, "--rank", rank)
    loader = drbert_data.Loader(data["instances"], 16, seed=seed, epoch=epoch, world_size=world_size, rank=rank)
    got = loader_ids(loader)
    assert got == expected
    assert len(got) == len(loader) > 2
    assert all(b["sample_index"].dtype.name == "int64" for b in loader.__class__(data["instances"], 16))


def test_mixing_bucketing_and_threads_keep_the_order(prep, data):
    expected = prep.stream_ids(data["instances"], data["other"], "--weights", "3,1", "--batch-size", 8, "--seed", 5,
                               "--bucket-batches", 4, "--window-blocks", 2, "--threads", 0)
    for threads in (0, 3):
        loader = drbert_data.Loader([data["instances"], data["other"]], 8, seed=5, weights=[3, 1], bucket_batches=4,
                                    window_blocks=2, threads=threads)
        assert loader_ids(loader) == expected


def test_state_is_save_state_and_resume_is_exact(prep, data, tmp_path):
    saved = tmp_path / "state.json"
    head = prep.stream_ids(data["instances"], "--batch-size", 8, "--seed", 2, "--world-size", 2, "--rank", 1,
                           "--stop-after-batches", 5, "--save-state", saved)
    loader = drbert_data.Loader(data["instances"], 8, seed=2, world_size=2, rank=1)
    assert loader_ids(loader, limit=5) == head
    assert loader.state_dict() == json.loads(saved.read_text())
    assert loader.state_after(5) == loader.state_dict()

    rest = prep.stream_ids(data["instances"], "--batch-size", 8, "--world-size", 2, "--rank", 1, "--resume", saved)
    resumed = drbert_data.Loader(data["instances"], 8, world_size=2, rank=1, state=json.loads(saved.read_text()))
    assert loader_ids(resumed) == rest
    assert loader_ids(loader) == rest, "the first loader goes on exactly where it stopped"


@pytest.mark.parametrize("new_world", [1, 3])
def test_elastic_resume(prep, data, tmp_path, new_world):
    saved = tmp_path / "state.json"
    head = []
    for rank in range(2):  # both ranks stop after 4 batches, in lockstep: the same state
        head += sum(prep.stream_ids(data["instances"], "--batch-size", 8, "--seed", 9, "--world-size", 2, "--rank",
                                    rank, "--stop-after-batches", 4, "--save-state", saved), [])
    state = json.loads(saved.read_text())
    rest = []
    for rank in range(new_world):
        expected = prep.stream_ids(data["instances"], "--batch-size", 8, "--world-size", new_world, "--rank", rank,
                                   "--resume", saved)
        loader = drbert_data.Loader(data["instances"], 8, world_size=new_world, rank=rank)
        loader.load_state_dict(state)
        got = loader_ids(loader)
        assert got == expected
        rest += sum(got, [])
    samples = drbert_data.Loader(data["instances"], 8).samples_per_epoch
    assert sorted(head + rest) == list(range(samples)), "every sample exactly once over the resume"


def test_epochs_len_and_set_epoch(prep, data):
    loader = drbert_data.Loader(data["instances"], 32, seed=4)
    first = loader_ids(loader)
    assert loader.state_dict()["globalSamplesConsumed"] == loader.samples_per_epoch
    second = loader_ids(loader)  # iterating again continues with the next epoch
    assert first == prep.stream_ids(data["instances"], "--batch-size", 32, "--seed", 4)
    assert second == prep.stream_ids(data["instances"], "--batch-size", 32, "--seed", 4, "--epoch", 1)
    assert loader.epoch == 1 and first != second
    loader.set_epoch(5)
    assert len(loader) == len(first)
    assert loader_ids(loader) == prep.stream_ids(data["instances"], "--batch-size", 32, "--seed", 4, "--epoch", 5)


def test_threads_sharing_a_loader_split_its_batches(data):
    import threading
    loader = drbert_data.Loader(data["instances"], 4, seed=8)
    taken = [[], []]
    both_started = threading.Barrier(2)  # (an iterator started after the end reads the next epoch)

    def read(out):
        batches = iter(loader)
        out.extend(next(batches)["sample_index"].tolist())
        both_started.wait()
        for batch in batches:
            out.extend(batch["sample_index"].tolist())

    workers = [threading.Thread(target=read, args=(t,)) for t in taken]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(taken[0] + taken[1]) == list(range(loader.samples_per_epoch)), "each sample once, no crash"
