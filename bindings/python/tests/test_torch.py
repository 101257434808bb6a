"""drbert_data.torch with a real torch DataLoader (skipped where torch is not installed):
workers split the rank's batches, each once and in order; the state survives a restart;
a tiny BertForPreTraining learns from the batches."""
import json

import pytest

torch = pytest.importorskip("torch")
import drbert_data.torch as dtorch  # noqa: E402


def ids(batches):
    return [b["sample_index"].tolist() for b in batches]


def test_two_workers_yield_the_ranks_batches_once_in_order(prep, data):
    dataset = dtorch.IterableDataset(data["instances"], 16, seed=3)
    loader = dtorch.DataLoader(dataset, num_workers=2)
    first = ids(loader)
    assert first == prep.stream_ids(data["instances"], "--batch-size", 16, "--seed", 3)
    assert sorted(sum(first, [])) == list(range(dataset.state_dict()["samplesPerEpoch"]))
    assert len(loader) == len(first)
    assert ids(loader) == prep.stream_ids(data["instances"], "--batch-size", 16, "--seed", 3, "--epoch", 1)
    batch = next(iter(dtorch.DataLoader(dtorch.IterableDataset(data["instances"], 4), num_workers=2)))
    assert batch["input_ids"].dtype == torch.int64 and "next_sentence_label" in batch
    # A plain torch DataLoader over the dataset works too (tensors, the same order).
    plain = torch.utils.data.DataLoader(dtorch.IterableDataset(data["instances"], 16, seed=3), batch_size=None,
                                        num_workers=2)
    batches = list(plain)
    assert isinstance(batches[0]["labels"], torch.Tensor) and ids(batches) == first


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_ranks_with_workers(prep, data):
    dataset = dtorch.IterableDataset(data["instances"], 8, seed=1, world_size=2, rank=1)
    got = ids(dtorch.DataLoader(dataset, num_workers=3))
    assert got == prep.stream_ids(data["instances"], "--batch-size", 8, "--seed", 1, "--world-size", 2, "--rank", 1)


def test_state_survives_a_restart(prep, data, tmp_path):
    saved = tmp_path / "state.json"
    head = prep.stream_ids(data["instances"], "--batch-size", 8, "--seed", 6, "--stop-after-batches", 7,
                           "--save-state", saved)
    loader = dtorch.DataLoader(dtorch.IterableDataset(data["instances"], 8, seed=6), num_workers=2)
    taken = []
    for batch in loader:
        taken.append(batch["sample_index"].tolist())
        if len(taken) == 7:
            checkpoint = json.dumps(loader.state_dict())  # the workers have read further ahead
            break
    assert taken == head
    assert json.loads(checkpoint) == json.loads(saved.read_text())
    del loader
    restarted = dtorch.DataLoader(dtorch.IterableDataset(data["instances"], 8, seed=6), num_workers=2)
    restarted.load_state_dict(json.loads(checkpoint))
    assert ids(restarted) == prep.stream_ids(data["instances"], "--batch-size", 8, "--resume", saved)


def test_bert_for_pretraining_learns_from_the_batches(data):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=128)
    model = transformers.BertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    loader = dtorch.DataLoader(dtorch.IterableDataset(data["instances"], 8, seed=0), num_workers=2)
    losses = []
    for batch in loader:
        batch.pop("sample_index")
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if len(losses) == 20:
            break
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 1.0, losses
