#!/usr/bin/env python3
"""PyTorch twins of the Swift trainer's enhanced MLM decoders (docs/decoders.md).

  * EMD   — DeBERTa's Enhanced Mask Decoder: H = output of encoder layer L-1,
            q0 = H + W_pos[pos], q_t = Layer_L(query=q_{t-1}, key=value=H), shared weights.
  * BPDec — DrBERT/BPDec (our reading of arXiv 2401.15861, which publishes no code):
            D fresh BERT blocks `decoder.layer.*` after the full encoder, optional raw
            position injection at the decoder input, Gradual Unmasking Attention in block 1,
            output randomness. The random choices are inputs here, so the Swift test replays them.

Built on the BERT twin `bert_reference.py` (same layer math, same HF names).

  decoders_reference.py fixture emd OUT.safetensors
  decoders_reference.py fixture bpdec OUT.safetensors

Each fixture holds weights, the batch, (for BPDec) the random choices, the loss, the masked
logits and every parameter gradient. Needs torch (CPU) + safetensors: `$DRBERT_VENV/bin/python`.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import Config, Layer, MaskedOnlyBert, fixture_batch, gather_rows  # noqa: E402

GENERATOR = "Scripts/reference/decoders_reference.py"


def cross_layer(layer, x, kv, key_mask):
    """`Layer.forward` with queries from `x` and keys/values from `kv` (EMD)."""
    b, t, h = x.shape
    a, dh = layer.heads, h // layer.heads

    def split(y):
        return y.view(b, t, a, dh).transpose(1, 2)

    q, k, v = split(layer.query(x)), split(layer.key(kv)), split(layer.value(kv))
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
    p = F.dropout(torch.softmax(s, dim=-1), layer.p_attn, layer.training)
    ctx = (p @ v).transpose(1, 2).reshape(b, t, h)
    x = layer.attn_norm(x + F.dropout(layer.attn_out(ctx), layer.p_hidden, layer.training))
    f = layer.out(F.gelu(layer.inter(x)))
    return layer.out_norm(x + F.dropout(f, layer.p_hidden, layer.training))


def layer_names(prefix, layer):
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


class MLMHeadMixin:
    def head(self, x):
        x = self.transform_norm(F.gelu(self.transform(x)))
        return x @ self.word.weight.t() + self.bias

    def embed(self, ids, types):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.word(ids) + self.position(pos)[None] + self.token_type(types)
        return F.dropout(self.emb_norm(x), self.c.hidden_dropout_prob, self.training)


class EMDBert(MLMHeadMixin, MaskedOnlyBert):
    """Encoder whose loss goes through DeBERTa's Enhanced Mask Decoder."""

    def __init__(self, c, passes=2):
        super().__init__(c)
        self.passes = passes

    def masked_logits(self, ids, types, mask, rows):
        key_mask = mask.bool()
        x = self.embed(ids, types)
        for layer in self.layers[:-1]:
            x = layer(x, key_mask)
        hidden = x
        t = ids.shape[1]
        q = hidden + self.position(torch.arange(t))[None]  # raw lookup, no LayerNorm/dropout
        for _ in range(self.passes):
            q = cross_layer(self.layers[-1], q, hidden, key_mask)
        return self.head(q.reshape(-1, self.c.hidden_size)[rows])

    def forward(self, ids, types, mask, rows, labels):
        logits = self.masked_logits(ids, types, mask, rows)
        return F.cross_entropy(logits, labels), logits


class BPDecBert(MLMHeadMixin, MaskedOnlyBert):
    """Encoder + BPDec decoder blocks; GUA and output mixing with given choices."""

    def __init__(self, c, decoder_layers=2, decoder_positions=False):
        super().__init__(c)
        self.decoder = nn.ModuleList(Layer(c) for _ in range(decoder_layers))
        self.decoder_positions = decoder_positions

    def named_hf_parameters(self):
        out = super().named_hf_parameters()
        head = out[-5:]
        out = out[:-5]
        for i, layer in enumerate(self.decoder):
            out += layer_names(f"decoder.layer.{i}.", layer)
        return out + head

    def masked_logits(self, ids, types, mask, rows, unmasked, mixed):
        key_mask = mask.bool()
        enc = self.hidden(ids, types, mask)
        b, t, h = enc.shape
        x = enc
        if self.decoder_positions:
            x = x + self.position(torch.arange(t))[None]
        # Gradual Unmasking Attention: block 1 hides the keys of masked positions unless unmasked.
        gua = key_mask.clone().reshape(-1)
        gua[rows[~unmasked]] = False
        gua = gua.reshape(b, t)
        for k, layer in enumerate(self.decoder):
            x = layer(x, gua if k == 0 else key_mask)
        dec_rows = x.reshape(-1, h)[rows]
        enc_rows = enc.reshape(-1, h)[rows]
        # Output randomness: mixed predictions read the encoder's output.
        return self.head(torch.where(mixed[:, None], enc_rows, dec_rows))

    def forward(self, ids, types, mask, rows, labels, unmasked, mixed):
        logits = self.masked_logits(ids, types, mask, rows, unmasked, mixed)
        return F.cross_entropy(logits, labels), logits


def randomize(model):
    """Random (not BERT-init) weights, as in bert_reference.py's fixture."""
    with torch.no_grad():
        for name, p in model.named_hf_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))


def self_checks(c):
    """The cross layer equals the self-attention layer when query = key/value input."""
    layer = Layer(c).eval()
    x = torch.randn(2, 5, c.hidden_size)
    m = torch.ones(2, 5, dtype=torch.bool)
    m[1, 3:] = False
    with torch.no_grad():
        assert torch.allclose(cross_layer(layer, x, x, m), layer(x, m), atol=1e-6)


def write_fixture(kind, path):
    from safetensors.torch import save_file
    torch.manual_seed(4321)
    c = Config(vocab_size=97, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=24,
               hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    self_checks(c)
    decoder = {"kind": kind}
    if kind == "emd":
        decoder["emd_passes"] = 2
        model = EMDBert(c, passes=2)
    else:
        decoder.update(decoder_layers=2, decoder_positions=True, gua_unmask=0.5, output_mix=0.1)
        model = BPDecBert(c, decoder_layers=2, decoder_positions=True)
    randomize(model)
    ids, types, mask, positions, labels = fixture_batch(c, 7)
    rows, lab = gather_rows(positions, labels, ids.shape[1])
    extra = ()
    tensors = {}
    if kind == "bpdec":
        # Fixed choices covering every case: hidden and unmasked keys, mixed and plain rows.
        unmasked = torch.tensor([True, False, False, True, False, True, False])
        mixed = torch.tensor([False, True, False, False, False, False, True])
        assert len(unmasked) == len(rows)
        extra = (unmasked, mixed)
        tensors["choices/unmasked"] = unmasked.int()
        tensors["choices/mixed"] = mixed.int()

    for n, p in model.named_hf_parameters():
        tensors["param/" + n] = p.detach().clone()
    tensors["batch/input_ids"] = ids.int()
    tensors["batch/segment_ids"] = types.int()
    tensors["batch/attention_mask"] = mask.int()
    tensors["batch/masked_positions"] = positions.int()
    tensors["batch/masked_labels"] = labels.int()
    model.train()  # dropout probabilities are 0
    loss, logits = model(ids, types, mask, rows, lab, *extra)
    loss.backward()
    tensors["loss"] = loss.detach().reshape(1)
    tensors["masked_logits"] = logits.detach()
    for n, p in model.named_hf_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        tensors["grad/" + n] = g.detach().clone()
    meta = {"generator": GENERATOR, "torch": torch.__version__, "config": json.dumps(c.to_dict()),
            "decoder": json.dumps(decoder)}
    save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=meta)
    print(f"wrote {path}: {kind} loss {tensors['loss'].item():.6f}, {len(tensors)} tensors")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fixture" and sys.argv[2] in ("emd", "bpdec"):
        write_fixture(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
