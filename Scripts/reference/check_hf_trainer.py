#!/usr/bin/env python3
"""Runs docs/python.md's Hugging Face `Trainer` example for real, at a tiny size: a
`BertForPreTraining` trained by `transformers.Trainer` from our shards through
`drbert_data.torch` (2 DataLoader workers), and checks that the loss falls and that the
batches the trainer saw are our loader's, in our order.

  PREP=.build/release/prep DRBERT_DATA_LIB=.build/release/libdrbert_data.so \\
      PYTHONPATH=bindings/python .venv-ref/bin/python Scripts/reference/check_hf_trainer.py

Needs torch (CPU), transformers and accelerate (`Scripts/setup --torch`, then `pip install accelerate`).
"""
import os
import subprocess
import sys
import tempfile

import torch
import transformers

import drbert_data
import drbert_data.torch as dtorch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREP = os.environ.get("PREP", os.path.join(ROOT, ".build/release/prep"))
VOCAB = os.path.join(ROOT, "Vocab/bert-base-uncased/vocab.txt")


def main():
    work = tempfile.mkdtemp(prefix="drbert-hf-trainer-")
    docs, instances = os.path.join(work, "docs"), os.path.join(work, "instances")
    subprocess.run([PREP, "tokenize", "--vocab", VOCAB, "--input", os.path.join(ROOT, "Corpora/en/kjv-sample.txt"),
                    "--output", docs], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([PREP, "mask", "--input", docs, "--output", instances, "--whole-word", "--pairs", "nsp",
                    "--max-seq-length", "64"], check=True, stdout=subprocess.DEVNULL)
    seen = []

    class ShardTrainer(transformers.Trainer):
        def get_train_dataloader(self):
            return dtorch.DataLoader(dtorch.IterableDataset(instances, batch_size=16, seed=1), num_workers=2)

    class Bert(transformers.BertForPreTraining):
        def forward(self, sample_index=None, **batch):
            seen.append(sample_index.tolist())
            return super().forward(**batch)

    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=30522, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=128, max_position_embeddings=64)
    losses = []

    class Losses(transformers.TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                losses.append(logs["loss"])

    args = transformers.TrainingArguments(os.path.join(work, "run"), max_steps=40, learning_rate=2e-3,
                                          logging_steps=10, remove_unused_columns=False, report_to=[],
                                          save_strategy="no", use_cpu=True, dataloader_num_workers=0)
    trainer = ShardTrainer(model=Bert(config), args=args, callbacks=[Losses()])
    trainer.train()
    expected = [b["sample_index"].tolist() for b in drbert_data.Loader(instances, 16, seed=1)][:len(seen)]
    problems = []
    if seen != expected:
        problems.append("the Trainer's batches are not the loader's, in order")
    if len(losses) < 2 or not losses[-1] < losses[0]:
        problems.append(f"loss did not fall: {losses}")
    print(f"HF Trainer: {len(seen)} steps from drbert_data.torch (2 workers), loss {losses[0]:.3f} -> {losses[-1]:.3f}, "
          f"batches = drbert_data.Loader's: {seen == expected}")
    for p in problems:
        print("FAILED:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
