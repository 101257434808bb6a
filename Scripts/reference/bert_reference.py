#!/usr/bin/env python3
"""PyTorch twin of the Swift trainer's BERT encoder + masked-only MLM head.

Used three ways:
  * `bert_reference.py fixture OUT.safetensors` writes the parity fixture that
    `swift test` reads (Tests/TrainingTests/Fixtures/bert_tiny_parity.safetensors):
    weights, a padded batch, loss, masked-position logits, every parameter gradient,
    and three AdamW steps (clipping + schedule) with the parameters after each.
    Before writing it checks the twin's logits against `transformers.BertForMaskedLM`
    loaded with the same state dict, so the reference is BERT, not only self-consistent.
  * imported by Scripts/bench/train for the PyTorch masked-only training loop.
  * `bert_reference.py compare FIXTURE` re-runs the twin on a fixture (live check).

Needs torch (CPU) + transformers + safetensors: `$DRBERT_VENV/bin/python`.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

GENERATOR = "Scripts/reference/bert_reference.py"


class Config:
    def __init__(self, vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
                 intermediate_size, max_position_embeddings=512, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                 initializer_range=0.02, pad_token_id=0, **_):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.pad_token_id = pad_token_id

    def to_dict(self):
        return dict(self.__dict__)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c.hidden_size, c.intermediate_size
        self.heads = c.num_attention_heads
        self.eps = c.layer_norm_eps
        self.p_hidden, self.p_attn = c.hidden_dropout_prob, c.attention_probs_dropout_prob
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out = nn.Linear(h, h)
        self.attn_norm = nn.LayerNorm(h, eps=self.eps)
        self.inter = nn.Linear(h, i)
        self.out = nn.Linear(i, h)
        self.out_norm = nn.LayerNorm(h, eps=self.eps)

    def forward(self, x, key_mask):
        b, t, h = x.shape
        a, dh = self.heads, h // self.heads

        def split(y):
            return y.view(b, t, a, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        p = F.dropout(torch.softmax(s, dim=-1), self.p_attn, self.training)
        ctx = (p @ v).transpose(1, 2).reshape(b, t, h)
        x = self.attn_norm(x + F.dropout(self.attn_out(ctx), self.p_hidden, self.training))
        f = self.out(F.gelu(self.inter(x)))
        return self.out_norm(x + F.dropout(f, self.p_hidden, self.training))


def layer_names(prefix, layer):
    """One layer's (HF BERT name, tensor) pairs under `prefix`, in ParameterLayout order."""
    return [(prefix + "attention.self.query.weight", layer.query.weight),
            (prefix + "attention.self.key.weight", layer.key.weight),
            (prefix + "attention.self.value.weight", layer.value.weight),
            (prefix + "attention.self.query.bias", layer.query.bias),
            (prefix + "attention.self.key.bias", layer.key.bias),
            (prefix + "attention.self.value.bias", layer.value.bias),
            (prefix + "attention.output.dense.weight", layer.attn_out.weight),
            (prefix + "attention.output.dense.bias", layer.attn_out.bias),
            (prefix + "attention.output.LayerNorm.weight", layer.attn_norm.weight),
            (prefix + "attention.output.LayerNorm.bias", layer.attn_norm.bias),
            (prefix + "intermediate.dense.weight", layer.inter.weight),
            (prefix + "intermediate.dense.bias", layer.inter.bias),
            (prefix + "output.dense.weight", layer.out.weight),
            (prefix + "output.dense.bias", layer.out.bias),
            (prefix + "output.LayerNorm.weight", layer.out_norm.weight),
            (prefix + "output.LayerNorm.bias", layer.out_norm.bias)]


class MaskedOnlyBert(nn.Module):
    """BERT encoder + MLM head evaluated on the masked rows only."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h = c.hidden_size
        self.word = nn.Embedding(c.vocab_size, h, padding_idx=c.pad_token_id)
        self.position = nn.Embedding(c.max_position_embeddings, h)
        self.token_type = nn.Embedding(c.type_vocab_size, h)
        self.emb_norm = nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.transform = nn.Linear(h, h)
        self.transform_norm = nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def hidden(self, ids, types, mask):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.word(ids) + self.position(pos)[None] + self.token_type(types)
        x = F.dropout(self.emb_norm(x), self.c.hidden_dropout_prob, self.training)
        key_mask = mask.bool()
        for layer in self.layers:
            x = layer(x, key_mask)
        return x

    def masked_logits(self, ids, types, mask, rows):
        x = self.hidden(ids, types, mask).reshape(-1, self.c.hidden_size)[rows]
        x = self.transform_norm(F.gelu(self.transform(x)))
        return x @ self.word.weight.t() + self.bias

    def forward(self, ids, types, mask, rows, labels):
        logits = self.masked_logits(ids, types, mask, rows)
        return F.cross_entropy(logits, labels), logits

    # HF BertForMaskedLM names, in the same order as the Swift ParameterLayout.
    def named_hf_parameters(self):
        out = [("bert.embeddings.word_embeddings.weight", self.word.weight),
               ("bert.embeddings.position_embeddings.weight", self.position.weight),
               ("bert.embeddings.token_type_embeddings.weight", self.token_type.weight),
               ("bert.embeddings.LayerNorm.weight", self.emb_norm.weight),
               ("bert.embeddings.LayerNorm.bias", self.emb_norm.bias)]
        for i, l in enumerate(self.layers):
            out += layer_names(f"bert.encoder.layer.{i}.", l)
        out += [("cls.predictions.transform.dense.weight", self.transform.weight),
                ("cls.predictions.transform.dense.bias", self.transform.bias),
                ("cls.predictions.transform.LayerNorm.weight", self.transform_norm.weight),
                ("cls.predictions.transform.LayerNorm.bias", self.transform_norm.bias),
                ("cls.predictions.bias", self.bias)]
        return out

    def init_bert(self, std):
        """HF `_init_weights`: N(0, std) weights, zero biases, LayerNorm (1, 0), zero padding row."""
        with torch.no_grad():
            for name, p in self.named_hf_parameters():
                if name.endswith("bias"):
                    p.zero_()
                elif "LayerNorm" in name:
                    p.fill_(1.0)
                else:
                    p.normal_(0, std)
            self.word.weight[self.c.pad_token_id].zero_()


def decay_groups(model, weight_decay):
    """No weight decay on biases and LayerNorm weights (BERT)."""
    named = model.named_hf_parameters()
    decay = [p for n, p in named if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in named if n.endswith("bias") or "LayerNorm" in n]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step, base, warmup, total, schedule="linear"):
    """Same formula as Swift `LearningRateSchedule` (step counts from 1)."""
    if warmup > 0 and step <= warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return base * max(0.0, 1 - progress)


def hf_model(model):
    """transformers.BertForMaskedLM with the twin's weights (eval mode)."""
    from transformers import BertConfig, BertForMaskedLM
    c = model.c
    hf = BertForMaskedLM(BertConfig(**c.to_dict(), hidden_act="gelu", attn_implementation="eager"))
    state = {n: p.detach().clone() for n, p in model.named_hf_parameters()}
    state["cls.predictions.decoder.weight"] = state["bert.embeddings.word_embeddings.weight"]
    state["cls.predictions.decoder.bias"] = state["cls.predictions.bias"]
    missing, unexpected = hf.load_state_dict(state, strict=False)
    missing = [m for m in missing if "position_ids" not in m and "token_type_ids" not in m]
    assert not missing and not unexpected, (missing, unexpected)
    hf.eval()
    return hf


def check_against_transformers(model, ids, types, mask, rows):
    hf = hf_model(model)
    model.eval()
    with torch.no_grad():
        ours = model.masked_logits(ids, types, mask, rows)
        theirs = hf(input_ids=ids, token_type_ids=types, attention_mask=mask).logits
        theirs = theirs.reshape(-1, model.c.vocab_size)[rows]
    err = (ours - theirs).abs().max().item() / max(theirs.abs().max().item(), 1e-12)
    assert err < 1e-5, f"twin differs from transformers.BertForMaskedLM: rel err {err}"
    return err


def fixture_batch(c, seed):
    g = torch.Generator().manual_seed(seed)
    b, t, p = 2, 16, 4
    ids = torch.randint(1, c.vocab_size, (b, t), generator=g)
    mask = torch.ones(b, t, dtype=torch.long)
    mask[1, 11:] = 0
    ids[1, 11:] = c.pad_token_id
    types = torch.zeros(b, t, dtype=torch.long)
    types[0, 8:] = 1
    types[1, 6:11] = 1
    positions = torch.tensor([[1, 4, 9, 15], [0, 3, 7, 0]], dtype=torch.long)  # row 1: 3 real + 1 padding slot
    labels = torch.randint(1, c.vocab_size, (b, p), generator=g)
    labels[1, 3] = -1
    return ids, types, mask, positions, labels


def gather_rows(positions, labels, t):
    rows, lab = [], []
    for b in range(positions.shape[0]):
        for k in range(positions.shape[1]):
            if labels[b, k] >= 0:
                rows.append(b * t + int(positions[b, k]))
                lab.append(int(labels[b, k]))
    return torch.tensor(rows), torch.tensor(lab)


def randomize(model):
    """Random (not BERT-init) weights so LayerNorm affine params, biases and attention
    patterns are all far from trivial; the padding row is nonzero too."""
    with torch.no_grad():
        for name, p in model.named_hf_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))


def add_inputs(tensors, model, ids, types, mask, positions, labels):
    """A fixture's `param/*` weights and `batch/*` tensors (what the Swift tests read)."""
    for n, p in model.named_hf_parameters():
        tensors["param/" + n] = p.detach().clone()
    tensors["batch/input_ids"] = ids.int()
    tensors["batch/segment_ids"] = types.int()
    tensors["batch/attention_mask"] = mask.int()
    tensors["batch/masked_positions"] = positions.int()
    tensors["batch/masked_labels"] = labels.int()


def add_outputs(tensors, model, loss, logits):
    """The loss, masked logits and every parameter's gradient (zero where none flowed)."""
    tensors["loss"] = loss.detach().reshape(1)
    tensors["masked_logits"] = logits.detach()
    for n, p in model.named_hf_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        tensors["grad/" + n] = g.detach().clone()


def write_fixture(path):
    from safetensors.torch import save_file
    import transformers
    torch.manual_seed(1234)
    c = Config(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=24,
               hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = MaskedOnlyBert(c)
    randomize(model)
    ids, types, mask, positions, labels = fixture_batch(c, 7)
    rows, lab = gather_rows(positions, labels, ids.shape[1])
    err = check_against_transformers(model, ids, types, mask, rows)
    print(f"twin vs transformers.BertForMaskedLM: max rel err {err:.2e}")

    tensors = {}
    add_inputs(tensors, model, ids, types, mask, positions, labels)

    model.train()  # dropout probabilities are 0: train mode changes nothing
    loss, logits = model(ids, types, mask, rows, lab)
    loss.backward()
    add_outputs(tensors, model, loss, logits)

    # Three AdamW steps on the same batch: clip to global norm 1, warmup 2, schedule planned for 4 steps.
    opt_cfg = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01, warmup=2, total=4, clip=1.0)
    opt = torch.optim.AdamW(decay_groups(model, opt_cfg["weight_decay"]), lr=opt_cfg["lr"],
                            betas=opt_cfg["betas"], eps=opt_cfg["eps"])
    losses, norms = [], []
    for step in range(1, 4):
        opt.zero_grad()
        loss, _ = model(ids, types, mask, rows, lab)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_([p for _, p in model.named_hf_parameters()], opt_cfg["clip"]).item())
        for g in opt.param_groups:
            g["lr"] = lr_at(step, opt_cfg["lr"], opt_cfg["warmup"], opt_cfg["total"])
        opt.step()
        losses.append(loss.item())
        for n, p in model.named_hf_parameters():
            tensors[f"step{step}/{n}"] = p.detach().clone()
    tensors["adamw_losses"] = torch.tensor(losses)
    tensors["adamw_grad_norms"] = torch.tensor(norms)
    meta = {"generator": GENERATOR, "torch": torch.__version__, "transformers": transformers.__version__,
            "config": json.dumps(c.to_dict()), "optimizer": json.dumps(opt_cfg),
            "transformers_max_rel_err": f"{err:.3e}"}
    save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=meta)
    print(f"wrote {path}: loss {tensors['loss'].item():.6f}, {len(tensors)} tensors")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fixture":
        write_fixture(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
