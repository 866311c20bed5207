"""RNN, LSTM, GRU and cells against torch with copied weights; packed sequences."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same

CONFIGS = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(proj_size=3, num_layers=2)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=3, bidirectional=True)),
]


def pair(name, kw, input_size=4, hidden=5):
    tm = getattr(torch.nn, name)(input_size, hidden, **kw).double()
    em = getattr(ember.nn, name)(input_size, hidden, **kw).double()
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return em, tm


def flat(out):
    if isinstance(out, tuple):
        return [x for o in out for x in flat(o)]
    return [out]


@pytest.mark.parametrize("name,kw", CONFIGS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_padded_forward_backward(name, kw, with_hx):
    em, tm = pair(name, kw)
    rng = np.random.default_rng(0)
    shape = (3, 6, 4) if kw.get("batch_first") else (6, 3, 4)
    x = rng.standard_normal(shape)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eargs, targs = [ex], [tx]
    if with_hx:
        d = 2 if kw.get("bidirectional") else 1
        L = kw.get("num_layers", 1)
        hsize = kw.get("proj_size") or 5
        h = rng.standard_normal((L * d, 3, hsize))
        if name == "LSTM":
            c = rng.standard_normal((L * d, 3, 5))
            eargs.append((ember.tensor(h, requires_grad=True), ember.tensor(c)))
            targs.append((torch.tensor(h, requires_grad=True), torch.tensor(c)))
        else:
            eargs.append(ember.tensor(h, requires_grad=True))
            targs.append(torch.tensor(h, requires_grad=True))
    eo, to = em(*eargs), tm(*targs)
    for e, t in zip(flat(eo), flat(to)):
        assert_same(e, t)
    eloss = sum((o * (i + 1)).sum() for i, o in enumerate(flat(eo)))
    tloss = sum((o * (i + 1)).sum() for i, o in enumerate(flat(to)))
    eloss.backward()
    tloss.backward()
    assert_same(ex.grad, tx.grad)
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert_same(ep.grad, tp.grad)


@pytest.mark.parametrize("name,kw", [("LSTM", dict()), ("GRU", dict(bidirectional=True)),
                                     ("LSTM", dict(num_layers=2, bidirectional=True))])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences(name, kw, enforce_sorted):
    em, tm = pair(name, kw)
    rng = np.random.default_rng(1)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = rng.standard_normal((5, 4, 4))
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ep = ember.nn.utils.rnn.pack_padded_sequence(ex, lengths, enforce_sorted=enforce_sorted)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    assert_same(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    eo, eh = em(ep)
    to, th = tm(tp)
    assert_same(eo.data, to.data)
    for e, t in zip(flat(eh), flat(th)):
        assert_same(e, t)
    epad, elen = ember.nn.utils.rnn.pad_packed_sequence(eo, batch_first=True)
    tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(to, batch_first=True)
    assert_same(epad, tpad)
    assert elen.tolist() == tlen.tolist()
    (epad.sum() + flat(eh)[0].sum()).backward()
    (tpad.sum() + flat(th)[0].sum()).backward()
    assert_same(ex.grad, tx.grad)


def test_pad_sequence_and_pack_sequence():
    seqs = [np.arange(n * 2, dtype=np.float64).reshape(n, 2) for n in (3, 1, 2)]
    for bf in (False, True):
        for side in ("right", "left"):
            assert_same(ember.nn.utils.rnn.pad_sequence([ember.tensor(s) for s in seqs], bf, -1.0, side),
                        torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], bf, -1.0, side))
    ep = ember.nn.utils.rnn.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    assert_same(ep.data, tp.data)
    assert ep.sorted_indices.tolist() == tp.sorted_indices.tolist()
    assert ep.unsorted_indices.tolist() == tp.unsorted_indices.tolist()


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells(name):
    tm = getattr(torch.nn, name)(4, 3).double()
    em = getattr(ember.nn, name)(4, 3).double()
    assert repr(em) == repr(tm)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 4))
    for shape in [(2, 4), (4,)]:
        xi = x.reshape(shape) if shape == (2, 4) else x[0]
        eo, to = em(ember.tensor(xi)), tm(torch.tensor(xi))
        for e, t in zip(flat(eo), flat(to)):
            assert_same(e, t)


def test_unbatched_input_and_errors():
    em, tm = pair("GRU", dict(num_layers=2))
    x = np.random.default_rng(3).standard_normal((6, 4))
    eo, eh = em(ember.tensor(x))
    to, th = tm(torch.tensor(x))
    assert_same(eo, to)
    assert_same(eh, th)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        em(ember.zeros(3, 2, 7, dtype=ember.float64))
