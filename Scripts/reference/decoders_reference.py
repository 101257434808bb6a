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
  decoders_reference.py fixture disentangled-{mlm,emd,bpdec} OUT.safetensors

The disentangled fixtures use DeBERTa's disentangled attention in the encoder (and the
decoder blocks); their twin is first checked against transformers' DebertaV2Encoder.

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
from bert_reference import (Config, Layer, MaskedOnlyBert, add_inputs, add_outputs, fixture_batch,  # noqa: E402
                            gather_rows, layer_names, randomize)

GENERATOR = "Scripts/reference/decoders_reference.py"


def relative_index(t, buckets, max_position):
    """idx(i, j) = clamp(bucket(i - j) + k, 0, 2k - 1), with transformers' DebertaV2 bucketing."""
    from transformers.models.deberta_v2.modeling_deberta_v2 import build_relative_position
    x = torch.zeros(t, 1)
    rel = build_relative_position(x, x, bucket_size=buckets, max_position=max_position)[0]
    return torch.clamp(rel + buckets, 0, 2 * buckets - 1)


def attention_layer(layer, x, kv, key_mask, rel=None):
    """`Layer.forward` generalised: queries from `x`, keys/values from `kv` (EMD when they
    differ), and with `rel = (LN(R), idx)` DeBERTa's disentangled scores
    s * (Q K^T + c2p + p2c), s = 1/sqrt(3 d_h), Q_r/K_r through the layer's own query/key."""
    b, t, h = x.shape
    a, dh = layer.heads, h // layer.heads

    def split(y):
        return y.view(b, t, a, dh).transpose(1, 2)

    q, k, v = split(layer.query(x)), split(layer.key(kv)), split(layer.value(kv))
    if rel is None:
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    else:
        table, idx = rel
        qr = layer.query(table).view(-1, a, dh).transpose(0, 1)[None]  # [1, a, 2k, dh]
        kr = layer.key(table).view(-1, a, dh).transpose(0, 1)[None]
        gather = idx[None, None].expand(b, a, t, t)
        c2p = torch.gather(q @ kr.transpose(-1, -2), -1, gather)                   # Q_i . K_r[idx(i,j)]
        p2c = torch.gather(k @ qr.transpose(-1, -2), -1, gather.transpose(-1, -2)).transpose(-1, -2)  # Q_r[idx(i,j)] . K_j
        s = (q @ k.transpose(-1, -2) + c2p + p2c) / math.sqrt(3 * dh)
    s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
    p = F.dropout(torch.softmax(s, dim=-1), layer.p_attn, layer.training)
    ctx = (p @ v).transpose(1, 2).reshape(b, t, h)
    x = layer.attn_norm(x + F.dropout(layer.attn_out(ctx), layer.p_hidden, layer.training))
    f = layer.out(F.gelu(layer.inter(x)))
    return layer.out_norm(x + F.dropout(f, layer.p_hidden, layer.training))


def cross_layer(layer, x, kv, key_mask):
    return attention_layer(layer, x, kv, key_mask)


class MLMHeadMixin:
    """Head, embeddings and (optionally) DeBERTa's relative table shared by the twins."""

    def setup_relative(self, relative):
        self.relative = relative  # None, or (position_buckets, max_relative_positions)
        if relative:
            self.rel_embeddings = nn.Embedding(2 * relative[0], self.c.hidden_size)
            self.rel_norm = nn.LayerNorm(self.c.hidden_size, eps=self.c.layer_norm_eps)

    def rel(self, t):
        if not self.relative:
            return None
        return self.rel_norm(self.rel_embeddings.weight), relative_index(t, *self.relative)

    def relative_names(self):
        if not self.relative:
            return []
        return [("bert.encoder.rel_embeddings.weight", self.rel_embeddings.weight),
                ("bert.encoder.LayerNorm.weight", self.rel_norm.weight),
                ("bert.encoder.LayerNorm.bias", self.rel_norm.bias)]

    def head(self, x):
        x = self.transform_norm(F.gelu(self.transform(x)))
        return x @ self.word.weight.t() + self.bias

    def embed(self, ids, types):
        t = ids.shape[1]
        x = self.word(ids) + self.token_type(types)
        if not self.relative:  # disentangled attention: no absolute positions at the input
            x = x + self.position(torch.arange(t, device=ids.device))[None]
        return F.dropout(self.emb_norm(x), self.c.hidden_dropout_prob, self.training)

    def encode(self, ids, types, mask, layers):
        key_mask = mask.bool()
        rel = self.rel(ids.shape[1])
        x = self.embed(ids, types)
        for layer in layers:
            x = attention_layer(layer, x, x, key_mask, rel)
        return x


class PlainBert(MLMHeadMixin, MaskedOnlyBert):
    """BERT + MLM head (the mlm decoder), with optional disentangled attention."""

    def __init__(self, c, relative=None):
        super().__init__(c)
        self.setup_relative(relative)

    def named_hf_parameters(self):
        return super().named_hf_parameters() + self.relative_names()

    def masked_logits(self, ids, types, mask, rows):
        x = self.encode(ids, types, mask, self.layers)
        return self.head(x.reshape(-1, self.c.hidden_size)[rows])


class EMDBert(MLMHeadMixin, MaskedOnlyBert):
    """Encoder whose loss goes through DeBERTa's Enhanced Mask Decoder."""

    def __init__(self, c, passes=2, relative=None):
        super().__init__(c)
        self.passes = passes
        self.setup_relative(relative)

    def named_hf_parameters(self):
        return super().named_hf_parameters() + self.relative_names()

    def masked_logits(self, ids, types, mask, rows):
        key_mask = mask.bool()
        hidden = self.encode(ids, types, mask, self.layers[:-1])
        t = ids.shape[1]
        rel = self.rel(t)
        q = hidden + self.position(torch.arange(t))[None]  # raw lookup, no LayerNorm/dropout
        for _ in range(self.passes):
            q = attention_layer(self.layers[-1], q, hidden, key_mask, rel)
        return self.head(q.reshape(-1, self.c.hidden_size)[rows])


class BPDecBert(MLMHeadMixin, MaskedOnlyBert):
    """Encoder + BPDec decoder blocks; GUA and output mixing with given choices."""

    def __init__(self, c, decoder_layers=2, decoder_positions=False, relative=None):
        super().__init__(c)
        self.decoder = nn.ModuleList(Layer(c) for _ in range(decoder_layers))
        self.decoder_positions = decoder_positions
        self.setup_relative(relative)

    def named_hf_parameters(self):
        out = super().named_hf_parameters()
        head = out[-5:]
        out = out[:-5]
        for i, layer in enumerate(self.decoder):
            out += layer_names(f"decoder.layer.{i}.", layer)
        return out + head + self.relative_names()

    def masked_logits(self, ids, types, mask, rows, unmasked, mixed):
        key_mask = mask.bool()
        enc = self.encode(ids, types, mask, self.layers)
        b, t, h = enc.shape
        rel = self.rel(t)  # decoder blocks use the encoder's attention kind and relative table
        x = enc
        if self.decoder_positions:
            x = x + self.position(torch.arange(t))[None]
        # Gradual Unmasking Attention: block 1 hides the keys of masked positions unless unmasked.
        gua = key_mask.clone().reshape(-1)
        gua[rows[~unmasked]] = False
        gua = gua.reshape(b, t)
        for k, layer in enumerate(self.decoder):
            x = attention_layer(layer, x, x, gua if k == 0 else key_mask, rel)
        dec_rows = x.reshape(-1, h)[rows]
        enc_rows = enc.reshape(-1, h)[rows]
        # Output randomness: mixed predictions read the encoder's output.
        return self.head(torch.where(mixed[:, None], enc_rows, dec_rows))

    def forward(self, ids, types, mask, rows, labels, unmasked, mixed):
        logits = self.masked_logits(ids, types, mask, rows, unmasked, mixed)
        return F.cross_entropy(logits, labels), logits


def self_checks(c):
    """The cross layer equals the self-attention layer when query = key/value input."""
    layer = Layer(c).eval()
    x = torch.randn(2, 5, c.hidden_size)
    m = torch.ones(2, 5, dtype=torch.bool)
    m[1, 3:] = False
    with torch.no_grad():
        assert torch.allclose(cross_layer(layer, x, x, m), layer(x, m), atol=1e-6)


def check_against_deberta_v2(model, c, relative):
    """Our twin's encoder layers vs transformers' DebertaV2Encoder (the layers, the shared
    LayerNorm-ed relative table, share_att_key, c2p+p2c) with the same weights, on real rows."""
    from transformers import DebertaV2Config
    from transformers.models.deberta_v2.modeling_deberta_v2 import DebertaV2Encoder
    cfg = DebertaV2Config(hidden_size=c.hidden_size, num_hidden_layers=c.num_hidden_layers,
                          num_attention_heads=c.num_attention_heads, intermediate_size=c.intermediate_size,
                          hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                          layer_norm_eps=c.layer_norm_eps, relative_attention=True, position_buckets=relative[0],
                          max_relative_positions=relative[1], pos_att_type=["p2c", "c2p"], share_att_key=True,
                          norm_rel_ebd="layer_norm", position_biased_input=False)
    enc = DebertaV2Encoder(cfg).eval()
    state = {"rel_embeddings.weight": model.rel_embeddings.weight, "LayerNorm.weight": model.rel_norm.weight,
             "LayerNorm.bias": model.rel_norm.bias}
    for i, l in enumerate(model.layers):
        n = f"layer.{i}."
        for ours, theirs in [("query", "attention.self.query_proj"), ("key", "attention.self.key_proj"),
                             ("value", "attention.self.value_proj"), ("attn_out", "attention.output.dense"),
                             ("attn_norm", "attention.output.LayerNorm"), ("inter", "intermediate.dense"),
                             ("out", "output.dense"), ("out_norm", "output.LayerNorm")]:
            state[n + theirs + ".weight"] = getattr(l, ours).weight
            state[n + theirs + ".bias"] = getattr(l, ours).bias
    enc.load_state_dict({k: v.detach() for k, v in state.items()}, strict=True)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 16, c.hidden_size, generator=g)
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 11:] = 0
    model.eval()
    with torch.no_grad():
        theirs = enc(x, mask).last_hidden_state
        rel = model.rel(16)
        ours = x
        for layer in model.layers:
            ours = attention_layer(layer, ours, ours, mask.bool(), rel)
    real = mask.bool()
    err = ((ours - theirs)[real].abs().max() / theirs[real].abs().max()).item()
    assert err < 1e-5, f"twin differs from DebertaV2Encoder: {err}"
    model.train()
    return err


def write_fixture(kind, path):
    from safetensors.torch import save_file
    torch.manual_seed(4321)
    c = Config(vocab_size=97, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
               intermediate_size=64, max_position_embeddings=24,
               hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    self_checks(c)
    relative = None
    config = c.to_dict()
    if kind.startswith("disentangled-"):
        kind = kind[len("disentangled-"):]
        # Small buckets so the fixture's 16 positions reach the log-bucketed range (|delta| > 4).
        relative = (8, 16)
        config.update(relative_attention=True, position_buckets=8, max_relative_positions=16)
    decoder = {"kind": kind}
    if kind == "mlm":
        model = PlainBert(c, relative=relative)
    elif kind == "emd":
        decoder["emd_passes"] = 2
        model = EMDBert(c, passes=2, relative=relative)
    else:
        decoder.update(decoder_layers=2, decoder_positions=True, gua_unmask=0.5, output_mix=0.1)
        model = BPDecBert(c, decoder_layers=2, decoder_positions=True, relative=relative)
    randomize(model)
    meta_extra = {}
    if relative:
        err = check_against_deberta_v2(model, c, relative)
        meta_extra["deberta_v2_max_rel_err"] = f"{err:.3e}"
        print(f"disentangled layers vs transformers DebertaV2Encoder: max rel err {err:.2e}")
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

    add_inputs(tensors, model, ids, types, mask, positions, labels)
    model.train()  # dropout probabilities are 0
    loss, logits = model(ids, types, mask, rows, lab, *extra)
    loss.backward()
    add_outputs(tensors, model, loss, logits)
    import transformers
    meta = {"generator": GENERATOR, "torch": torch.__version__, "transformers": transformers.__version__,
            "config": json.dumps(config), "decoder": json.dumps(decoder), **meta_extra}
    if relative:
        # DeBERTa's default bucketing (256 buckets up to 512) for delta in [-700, 700], from transformers.
        from transformers.models.deberta_v2.modeling_deberta_v2 import make_log_bucket_position
        tensors["buckets_256_512"] = make_log_bucket_position(torch.arange(-700, 701), 256, 512).int()
    save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=meta)
    print(f"wrote {path}: {kind} loss {tensors['loss'].item():.6f}, {len(tensors)} tensors")


if __name__ == "__main__":
    kinds = ("emd", "bpdec", "disentangled-mlm", "disentangled-emd", "disentangled-bpdec")
    if len(sys.argv) == 4 and sys.argv[1] == "fixture" and sys.argv[2] in kinds:
        write_fixture(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
