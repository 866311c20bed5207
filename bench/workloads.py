"""The benchmark workloads, each written once against the PyTorch API.

Every function takes the library (``torch`` or ``ember``) and returns a zero-argument step.
This module imports neither framework, so W6 can measure each one alone in a fresh process.
"""

import numpy as np

# ---------------------------------------------------------------------- workloads
def w1_add(lib):
    a, b = lib.ones(32), lib.ones(32)
    return lambda: a + b


def w1_matmul(lib):
    a, b = lib.ones(64, 64), lib.ones(64, 64)
    return lambda: a @ b


def w1_sum(lib):
    a = lib.ones(1000)
    return lambda: a.sum()


def w1_index(lib):
    a = lib.ones(100, 8)
    idx = lib.tensor([1, 5, 7, 42])
    return lambda: a[idx]


def w1_chain_grad(lib):
    a = lib.ones(32, requires_grad=True)
    b = lib.ones(32, requires_grad=True)

    def step():
        (a * b + a).sum().backward()
    return step


def _mlp_step(lib):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 128))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def _cnn_step(lib):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128),
                          nn.ReLU(), nn.Linear(128, 10))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def make_gpt(lib, vocab=65, ctx=64, layers=4, heads=4, width=128):
    nn = lib.nn
    F = nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.fc1, self.fc2 = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
            self.register_buffer("mask", lib.ones(ctx, ctx).tril().reshape(1, 1, ctx, ctx))

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(width, dim=2)
            q = q.reshape(b, t, heads, c // heads).transpose(1, 2)
            k = k.reshape(b, t, heads, c // heads).transpose(1, 2)
            v = v.reshape(b, t, heads, c // heads).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / (c // heads) ** 0.5)
            att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).reshape(b, t, c)
            x = x + self.proj(y)
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, width)
            self.pos = nn.Embedding(ctx, width)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(lib.arange(t))
            return self.head(self.ln(self.blocks(x)))

    return GPT()


def _gpt_step(lib, batch=32, ctx=64):
    lib.manual_seed(0)
    model = make_gpt(lib, ctx=ctx)
    opt = lib.optim.AdamW(model.parameters(), lr=3e-4)
    rng = np.random.default_rng(0)
    data = rng.integers(0, 65, (batch, ctx + 1))
    x, y = lib.tensor(data[:, :-1]), lib.tensor(data[:, 1:])

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, 65), y.reshape(-1))
        loss.backward()
        opt.step()
    return step


def _conv_fwd_bwd(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 32, 28, 28)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((64, 32, 3, 3)).astype(np.float32), requires_grad=True)

    def step():
        lib.nn.functional.conv2d(x, w, padding=1).sum().backward()
    return step


WORKLOADS = {
    "W1 a+b (32, no grad)": w1_add,
    "W1 matmul 64x64": w1_matmul,
    "W1 sum(1000)": w1_sum,
    "W1 index a[idx]": w1_index,
    "W1 (a*b+a).sum().backward()": w1_chain_grad,
    "W2 MLP step": _mlp_step,
    "W3 CNN step": _cnn_step,
    "W4 GPT step": _gpt_step,
    "W5 conv2d fwd+bwd": _conv_fwd_bwd,
}
