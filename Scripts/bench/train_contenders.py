"""One contender of Scripts/bench/train, run as its own process: it trains (or multiplies) step
after step forever and prints `wall_ms cpu_ms` per step on stdout. The driver (train_bench.py)
pauses and resumes the contenders with SIGSTOP/SIGCONT so that they take turns within a few
seconds of each other, which is what makes their ratio robust to this VM's slow phases.

    python train_contenders.py masked-only|transformers|sgemm MODEL
"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))

PRESETS = {"mini": (256, 4, 4, 1024), "small": (512, 4, 8, 2048)}
VOCAB, B, T, P = 30522, 32, 128, 20


def torch_batches(torch, count):
    """Random ids and P distinct masked positions per row (never [CLS] at 0), like our --synthetic-vocab."""
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(count):
        ids = torch.randint(5, VOCAB, (B, T), generator=g)
        mask = torch.ones(B, T, dtype=torch.long)
        types = torch.zeros(B, T, dtype=torch.long)
        pos = torch.stack([torch.randperm(T - 1, generator=g)[:P] + 1 for _ in range(B)])
        rows = (torch.arange(B)[:, None] * T + pos).reshape(-1)
        labels = ids.reshape(-1)[rows].clone()
        out.append((ids, types, mask, rows, labels))
    return out


def masked_only_step(torch, model_name):
    """The PyTorch twin of our model (Scripts/reference/bert_reference.py): MLM head on masked rows only."""
    from bert_reference import Config, MaskedOnlyBert, decay_groups
    h, l, a, i = PRESETS[model_name]
    m = MaskedOnlyBert(Config(VOCAB, h, l, a, i))
    m.init_bert(0.02)
    m.train()
    opt = torch.optim.AdamW(decay_groups(m, 0.01), lr=1e-4, eps=1e-6)
    batches = torch_batches(torch, 8)

    def step(n):
        ids, types, mask, rows, labels = batches[n % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss, _ = m(ids, types, mask, rows, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
    return step


def transformers_step(torch, model_name):
    """transformers.BertForMaskedLM as users run it: the MLM head over every position."""
    from transformers import BertConfig, BertForMaskedLM
    h, l, a, i = PRESETS[model_name]
    m = BertForMaskedLM(BertConfig(vocab_size=VOCAB, hidden_size=h, num_hidden_layers=l, num_attention_heads=a,
                                   intermediate_size=i))
    m.train()
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, eps=1e-6)
    batches = []
    for ids, types, mask, rows, labels in torch_batches(torch, 8):
        full = torch.full((B * T,), -100, dtype=torch.long)
        full[rows] = labels
        batches.append((ids, types, mask, full.view(B, T)))

    def step(n):
        ids, types, mask, labels = batches[n % len(batches)]
        opt.zero_grad(set_to_none=True)
        out = m(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
    return step


def sgemm_step(model_name, reps=24):
    """System OpenBLAS cblas_sgemm on 2 threads, (B*T) x I x H as our FFN forward (row-major, B transposed).
    The driver sets OPENBLAS_CORETYPE to the kernel `prep` selects (BLASThreads.ensureTunedKernel)."""
    h, _, _, inter = PRESETS[model_name]
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_set_num_threads(2)
    m, n, k = B * T, inter, h
    a = (ctypes.c_float * (m * k))(*([0.01] * (m * k)))
    b = (ctypes.c_float * (n * k))(*([0.02] * (n * k)))
    c = (ctypes.c_float * (m * n))()

    def step(_):
        for _ in range(reps):
            lib.cblas_sgemm(101, 111, 112, m, n, k, ctypes.c_float(1.0), a, k, b, k, ctypes.c_float(0.0), c, n)
    return step, 2.0 * m * n * k * reps


def main():
    kind, model_name = sys.argv[1], sys.argv[2]
    flops = None
    if kind == "sgemm":
        step, flops = sgemm_step(model_name)
    else:
        import torch
        torch.set_num_threads(2)
        torch.manual_seed(0)
        step = masked_only_step(torch, model_name) if kind == "masked-only" else transformers_step(torch, model_name)
    n = 0
    while True:
        t, c = time.perf_counter(), time.process_time()
        step(n)
        wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
        extra = f" {flops / wall / 1e6:.1f}" if flops else ""
        print(f"{wall:.3f} {cpu:.3f}{extra}", flush=True)
        n += 1


if __name__ == "__main__":
    main()
