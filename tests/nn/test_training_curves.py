"""From identical weights and data, standard models follow PyTorch's loss curve for 50 steps."""

import numpy as np
import pytest
import torch

import ember


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 5))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 5))


def lstm_lm(lib):
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(11, 8)
            self.rnn = nn.LSTM(8, 12, num_layers=2, batch_first=True)
            self.out = nn.Linear(12, 11)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.out(h).reshape(-1, 11)
    return LM()


def transformer(lib):
    nn = lib.nn

    class TinyGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(11, 16)
            self.pos = nn.Embedding(6, 16)
            layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True,
                                               norm_first=True)
            self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.out = nn.Linear(16, 11)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(6))

        def forward(self, x):
            h = self.emb(x) + self.pos(lib.arange(x.shape[1]))
            return self.out(self.enc(h, mask=self.mask, is_causal=True)).reshape(-1, 11)
    return TinyGPT()


def data(kind, rng):
    if kind == "mlp":
        return rng.standard_normal((16, 20)).astype(np.float32), rng.integers(0, 5, 16)
    if kind == "cnn":
        return rng.standard_normal((8, 1, 8, 8)).astype(np.float32), rng.integers(0, 5, 8)
    seq = rng.integers(0, 11, (4, 7))
    return seq[:, :-1], seq[:, 1:].reshape(-1)


MODELS = [("mlp", mlp, "SGD", dict(lr=0.1, momentum=0.9)),
          ("cnn", cnn, "Adam", dict(lr=1e-2)),
          ("lstm", lstm_lm, "Adam", dict(lr=1e-2)),
          ("transformer", transformer, "AdamW", dict(lr=3e-3))]


@pytest.mark.parametrize("kind,build,opt_name,opt_kw", MODELS, ids=[m[0] for m in MODELS])
def test_loss_curve_tracks_torch(kind, build, opt_name, opt_kw):
    torch.manual_seed(0)
    tm, em = build(torch), build(ember)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    to = getattr(torch.optim, opt_name)(tm.parameters(), **opt_kw)
    eo = getattr(ember.optim, opt_name)(em.parameters(), **opt_kw)
    rng = np.random.default_rng(0)
    batches = [data(kind, rng) for _ in range(5)]
    tl, el = [], []
    for step in range(50):
        x, y = batches[step % 5]
        for lib, m, o, out in ((torch, tm, to, tl), (ember, em, eo, el)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            o.step()
            out.append(loss.item())
    tl, el = np.array(tl), np.array(el)
    assert el[-5:].mean() < el[:5].mean()          # it learns
    np.testing.assert_allclose(el, tl, rtol=2e-3, atol=2e-4)
