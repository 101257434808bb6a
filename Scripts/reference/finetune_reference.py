#!/usr/bin/env python3
"""PyTorch twins of `prep finetune`'s model: the sequence-classification head and SiFT.

  finetune_reference.py fixtures DIR [--deberta SIFT_PY]
      writes DIR/finetune_classification.safetensors, finetune_regression.safetensors and
      finetune_sift.safetensors (Tests/FinetuningTests/Fixtures): the weights, a padded
      batch of sentence pairs, the logits, the loss and the gradient of every parameter.
      Before writing, the head twin is checked against transformers'
      BertForSequenceClassification (same weights: same logits, loss and gradients), and,
      with --deberta, the SiFT twin against microsoft/DeBERTa's own DeBERTa/sift/sift.py
      (hook_sift_layer + AdversarialLearner on that same model, the same random draws).

The twins are written from the algorithm (docs/finetuning.md), not copied: the head is
pooler dense + tanh on [CLS], dropout, classifier over transformers' BertModel; SiFT
normalises the input of the embeddings' LayerNorm without affine (eps 1e-7), perturbs it,
takes one power-iteration step on the summed symmetric KL and adds λ · the mean symmetric
KL at the updated perturbation. All dropout is 0 so every number is deterministic.

Needs torch (CPU), transformers, safetensors: `$DRBERT_VENV/bin/python`.
"""
import importlib.util
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

GENERATOR = "Scripts/reference/finetune_reference.py"
TOL = 1e-4


def config(num_labels):
    return BertConfig(
        vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=16, type_vocab_size=2, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12, initializer_range=0.2, pad_token_id=0,
        num_labels=num_labels, attn_implementation="eager")


def ours_config(c):
    keys = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_dropout_prob",
            "attention_probs_dropout_prob", "initializer_range", "pad_token_id", "hidden_act"]
    return {k: getattr(c, k) for k in keys}


def batch():
    """Three sentence pairs [CLS] A [SEP] B [SEP], padded to 7 with id 0."""
    g = torch.Generator().manual_seed(7)
    lengths, seps = [7, 5, 4], [3, 2, 2]
    ids = torch.zeros(3, 7, dtype=torch.long)
    types = torch.zeros(3, 7, dtype=torch.long)
    mask = torch.zeros(3, 7, dtype=torch.long)
    for r, (n, s) in enumerate(zip(lengths, seps)):
        ids[r, :n] = torch.randint(5, 40, (n,), generator=g)
        ids[r, 0], ids[r, s], ids[r, n - 1] = 2, 3, 3
        types[r, s + 1:n] = 1
        mask[r, :n] = 1
    return ids, types, mask


def head_twin(model, ids, types, mask):
    """Our head over transformers' encoder: tanh(W_p h_[CLS] + b_p), dropout 0, classifier."""
    hidden = model.bert(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
    pooled = torch.tanh(F.linear(hidden[:, 0], model.bert.pooler.dense.weight, model.bert.pooler.dense.bias))
    return F.linear(pooled, model.classifier.weight, model.classifier.bias)


def task_loss(logits, labels, num_labels):
    if num_labels == 1:
        return F.mse_loss(logits.view(-1), labels.view(-1))
    return F.cross_entropy(logits, labels.long())


def grads(model):
    return {n: p.grad.detach().clone() for n, p in model.named_parameters()}


def rel(a, b):
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-6)).item()


def check(name, a, b):
    e = rel(a, b)
    print(f"  {name}: rel {e:.2e}")
    if e > TOL:
        sys.exit(f"{name}: twin and reference differ (rel {e:.2e} > {TOL})")


def classifier_case(num_labels, labels):
    torch.manual_seed(0)
    model = BertForSequenceClassification(config(num_labels)).train()
    ids, types, mask = batch()
    # transformers itself: logits, loss (its problem_type choice), gradients.
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels)
    out.loss.backward()
    hf = grads(model)
    model.zero_grad()
    logits = head_twin(model, ids, types, mask)
    loss = task_loss(logits, labels, num_labels)
    loss.backward()
    twin = grads(model)
    print(f"classifier (num_labels {num_labels}) vs BertForSequenceClassification:")
    check("logits", logits.detach(), out.logits.detach())
    check("loss", loss.detach().view(1), out.loss.detach().view(1))
    for n in hf:
        check("grad " + n, twin[n], hf[n])
    return model, ids, types, mask, logits.detach(), loss.detach(), twin


def sift_twin(model, ids, types, mask, labels, eps, step, lam, seed):
    """SiFT on BertForSequenceClassification, from the algorithm; returns task and
    adversarial losses after backward of their weighted sum."""
    ln = model.bert.embeddings.LayerNorm
    state = {"mode": "clean", "delta": None}

    def hook(module, inputs):
        x = F.layer_norm(inputs[0], inputs[0].shape[-1:], eps=1e-7)
        if state["mode"] == "clean":
            state["normalized"] = x
            return (x,)
        return (state["normalized"].detach() + state["delta"],)

    handle = ln.register_forward_pre_hook(hook)
    try:
        def run():
            return head_twin(model, ids, types, mask)

        clean = run()
        loss = task_loss(clean, labels, 2)
        state["mode"] = "perturbed"
        torch.manual_seed(seed)
        n = state["normalized"]
        delta0 = torch.clamp(n.new(n.size()).normal_(0, eps).float(), -2 * eps, 2 * eps)
        params = list(model.parameters())
        for p in params:
            p.requires_grad_(False)
        delta = delta0.clone().requires_grad_(True)
        state["delta"] = delta
        first = run()
        sym_kl(first, clean.detach()).sum().backward()
        g = delta.grad
        if torch.isfinite(g.norm()):
            delta = delta0 + step * g / (1e-6 + g.abs().max(-1, keepdim=True)[0])
        state["delta"] = delta.detach()
        for p in params:
            p.requires_grad_(True)
        second = run()
        adv = sym_kl(second, clean).mean()
        (loss + lam * adv).backward()
        return loss.detach(), adv.detach(), delta0, clean.detach()
    finally:
        handle.remove()


def sym_kl(student, teacher):
    """Σ p_t·(−log p_s) + Σ p_s·(−log p_t) per row, the multiplying probabilities detached."""
    ls, lt = F.log_softmax(student.float(), -1), F.log_softmax(teacher.float(), -1)
    return (lt.exp().detach() * -ls).sum(-1) + (ls.exp().detach() * -lt).sum(-1)


def deberta_sift(path, model, ids, types, mask, labels, eps, step, lam, seed):
    """The same step through DeBERTa's own sift.py (imported from a checkout, not copied)."""
    spec = importlib.util.spec_from_file_location("deberta_sift", path)
    sift = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sift)
    adv_modules = sift.hook_sift_layer(model, hidden_size=16, learning_rate=step, init_perturbation=eps,
                                       target_module="bert.embeddings.LayerNorm")
    adv = sift.AdversarialLearner(model, adv_modules)

    def logits_fn(m, **data):
        return m(**data).logits

    data = dict(input_ids=ids, token_type_ids=types, attention_mask=mask)
    out = model(**data, labels=labels)
    torch.manual_seed(seed)
    a = adv.loss(out.logits, logits_fn, **data)
    (out.loss + lam * a).backward()
    return out.loss.detach(), a.detach()


def tensors_of(model, ids, types, mask, labels, logits, loss, g, prefix=""):
    t = {f"param/{n}": p.detach().clone().contiguous() for n, p in model.named_parameters()}
    t.update({f"grad/{n}": v.contiguous() for n, v in g.items()})
    t["batch/input_ids"] = ids.int(); t["batch/token_type_ids"] = types.int()
    t["batch/attention_mask"] = mask.int(); t["batch/labels"] = labels.float()
    t["logits"] = logits.contiguous(); t["loss"] = loss.view(1).float()
    return t


def fixtures(out, deberta):
    os.makedirs(out, exist_ok=True)
    labels = torch.tensor([2, 0, 1])
    model, ids, types, mask, logits, loss, g = classifier_case(3, labels)
    meta = {"generator": GENERATOR, "config": json.dumps(ours_config(model.config)), "num_labels": "3"}
    save_file(tensors_of(model, ids, types, mask, labels, logits, loss, g),
              f"{out}/finetune_classification.safetensors", metadata=meta)
    values = torch.tensor([0.5, -1.25, 2.0])
    model, ids, types, mask, logits, loss, g = classifier_case(1, values)
    meta = {"generator": GENERATOR, "config": json.dumps(ours_config(model.config)), "num_labels": "1"}
    save_file(tensors_of(model, ids, types, mask, values, logits, loss, g),
              f"{out}/finetune_regression.safetensors", metadata=meta)

    eps, step, lam, seed = 1e-2, 1e-1, 2.0, 11  # a large step, so δ₁ differs visibly from δ₀
    labels = torch.tensor([1, 0, 1])
    torch.manual_seed(1)
    model = BertForSequenceClassification(config(2)).train()
    ids, types, mask = batch()
    task, adv, delta0, clean = sift_twin(model, ids, types, mask, labels, eps, step, lam, seed)
    g = grads(model)
    print(f"sift: task {task.item():.6f} adversarial {adv.item():.6e}")
    if deberta:
        state = {n: p.detach().clone() for n, p in model.named_parameters()}
        model.zero_grad()
        ref_task, ref_adv = deberta_sift(deberta, model, ids, types, mask, labels, eps, step, lam, seed)
        print("sift twin vs DeBERTa/sift/sift.py:")
        check("task loss", task.view(1), ref_task.view(1))
        check("adversarial loss", adv.view(1), ref_adv.view(1))
        for n, p in model.named_parameters():
            check("grad " + n, g[n], p.grad)
            assert torch.equal(p.detach(), state[n])
    t = tensors_of(model, ids, types, mask, labels, clean, task, g)
    t["sift/delta0"] = delta0.contiguous(); t["sift/adversarial"] = adv.view(1).float()
    meta = {"generator": GENERATOR, "config": json.dumps(ours_config(model.config)), "num_labels": "2",
            "sift": json.dumps({"init_perturbation": eps, "step_size": step, "lambda": lam})}
    save_file(t, f"{out}/finetune_sift.safetensors", metadata=meta)
    print(f"wrote {out}/finetune_{{classification,regression,sift}}.safetensors")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "fixtures":
        deberta = None
        if "--deberta" in sys.argv:
            deberta = sys.argv[sys.argv.index("--deberta") + 1]
        fixtures(sys.argv[2], deberta)
    else:
        sys.exit(__doc__)
