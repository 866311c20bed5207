"""MultiheadAttention and Transformer layers against torch with copied weights (eval mode)."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same


def pair(expr):
    tm = eval("lib.nn." + expr, {"lib": torch}).double().eval()
    em = eval("lib.nn." + expr, {"lib": ember}).double().eval()
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return em, tm


def t2(a, requires_grad=True):
    return ember.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


MHA = [
    ("MultiheadAttention(8, 2)", dict()),
    ("MultiheadAttention(8, 4, batch_first=True)", dict(average_attn_weights=False)),
    ("MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True, add_zero_attn=True)", dict()),
    ("MultiheadAttention(8, 2, bias=False)", dict(need_weights=False)),
]


@pytest.mark.parametrize("expr,kw", MHA)
@pytest.mark.parametrize("masks", ["none", "bool", "float", "padding"])
def test_multihead_attention(expr, kw, masks):
    em, tm = pair(expr)
    rng = np.random.default_rng(0)
    L, S, N = 3, 5, 2
    kd = 4 if "kdim" in expr else 8
    vd = 6 if "vdim" in expr else 8
    shape = (lambda a, b: (N, a, b)) if "batch_first" in expr else (lambda a, b: (a, N, b))
    (eq, tq), (ek, tk), (ev, tv) = t2(rng.standard_normal(shape(L, 8))), \
        t2(rng.standard_normal(shape(S, kd))), t2(rng.standard_normal(shape(S, vd)))
    ekw, tkw = dict(kw), dict(kw)
    if masks == "bool":
        m = rng.random((L, S)) > 0.7
        m[:, 0] = False
        ekw["attn_mask"], tkw["attn_mask"] = ember.tensor(m), torch.tensor(m)
    elif masks == "float":
        m = rng.standard_normal((L, S))
        ekw["attn_mask"], tkw["attn_mask"] = ember.tensor(m), torch.tensor(m)
    elif masks == "padding":
        m = np.zeros((N, S), dtype=bool)
        m[1, -2:] = True
        ekw["key_padding_mask"], tkw["key_padding_mask"] = ember.tensor(m), torch.tensor(m)
    eo, ew = em(eq, ek, ev, **ekw)
    to, tw = tm(tq, tk, tv, **tkw)
    assert_same(eo, to)
    if tw is None:
        assert ew is None
    else:
        assert_same(ew, tw)
    eo.sum().backward()
    to.sum().backward()
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        assert_same(e.grad, t.grad)
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert_same(ep.grad, tp.grad)


@pytest.mark.parametrize("expr", [
    "TransformerEncoderLayer(8, 2, 16)",
    "TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True, activation='gelu')",
    "TransformerDecoderLayer(8, 2, 16)",
    "TransformerDecoderLayer(8, 2, 16, norm_first=True, bias=False)",
    "Transformer(8, 2, 2, 1, 16)",
])
def test_transformer_layers(expr):
    em, tm = pair(expr)
    rng = np.random.default_rng(1)
    bf = "batch_first" in expr
    src = rng.standard_normal((2, 5, 8) if bf else (5, 2, 8))
    tgt = rng.standard_normal((4, 2, 8))
    (es, ts), (et, tt) = t2(src), t2(tgt)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4).double()
    emask = ember.nn.Transformer.generate_square_subsequent_mask(4).double()
    assert_same(emask, mask)
    if "Encoder" in expr:
        eo, to = em(es), tm(ts)
    elif "DecoderLayer" in expr:
        eo, to = em(et, es, tgt_mask=emask), tm(tt, ts, tgt_mask=mask)
    else:
        eo, to = em(es, et, tgt_mask=emask), tm(ts, tt, tgt_mask=mask)
    assert_same(eo, to)
    eo.pow(2).sum().backward()
    to.pow(2).sum().backward()
    assert_same(es.grad, ts.grad)
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert_same(ep.grad, tp.grad)


def test_encoder_stack_with_norm_and_padding_mask():
    em, tm = pair("TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, nn.LayerNorm(8))"
                  .replace("nn.", "lib.nn."))
    rng = np.random.default_rng(2)
    (es, ts) = t2(rng.standard_normal((5, 2, 8)))
    m = np.zeros((2, 5), dtype=bool)
    m[0, -1] = True
    assert_same(em(es, src_key_padding_mask=ember.tensor(m)),
                tm(ts, src_key_padding_mask=torch.tensor(m)))
