"""Independent oracle for crates/exg-model/tests/model.rs `pinned_*` tests.

Re-implements, in plain Python + NumPy (float64), the two things exg-model must never change
silently:

* the seeded initialisation (`exg_model::init::SeededVarMap`: SplitMix64 keyed by the seed and
  the FNV-1a hash of the full parameter name; PyTorch-default uniform bounds), and
* the EXGnet forward pass of the `tiny` preset (multiresolution blocks, batch norm in eval and
  train mode with PyTorch's running-statistics update, max pooling, GAP, linear head),

then prints the values the Rust test pins. Nothing here imports exg or PyTorch: it is written
from the definitions in docs/model.md.

Usage: python3 tools/model_pinned_values.py   (NumPy only; prints Rust array literals)
"""

import numpy as np

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    @classmethod
    def for_name(cls, seed, name):
        h = 0xCBF29CE484222325
        for b in name.encode():
            h ^= b
            h = (h * 0x100000001B3) & M64
        rot = ((h << 17) | (h >> 47)) & M64
        g = cls(seed ^ rot)
        g.next_u64()
        return g

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def next_f64(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))


SEED = 2024
INPUT_SEED = 7
BATCH = 3
# ExgNetConfig::tiny(): input 40, 3 classes; blocks (width 6, kernel 5, dil 1, pool 2) and
# (width 6, kernel 3, dil 2, pool 1); widths split 1/6, 1/3, rest -> [1, 2, 3].
INPUT_LEN, N_CLASSES = 40, 3
BLOCKS = [(6, 5, 1, 2), (6, 3, 2, 1)]
EPS, MOMENTUM = 1e-5, 0.1


def uniform(name, shape, fan_in):
    b = 1.0 / np.sqrt(max(fan_in, 1))
    g = SplitMix64.for_name(SEED, name)
    n = int(np.prod(shape))
    return np.array([-b + 2 * b * g.next_f64() for _ in range(n)]).reshape(shape)


def widths(w):
    a, b = round(w / 6), round(w / 3)
    return [a, b, w - a - b]


class ConvBn:
    def __init__(self, name, cin, cout, k, dil):
        self.w = uniform(f"{name}.conv.weight", (cout, cin, k), cin * k)
        self.k, self.dil = k, dil
        self.mean, self.var = np.zeros(cout), np.ones(cout)  # gamma 1, beta 0 (constant init)

    def __call__(self, x, residual, train):
        tot = self.dil * (self.k - 1)
        xp = np.pad(x, ((0, 0), (0, 0), (tot // 2, tot - tot // 2)))
        L = x.shape[2]
        y = sum(
            np.einsum("oi,bil->bol", self.w[:, :, j], xp[:, :, j * self.dil : j * self.dil + L])
            for j in range(self.k)
        )
        if train:
            m, v = y.mean(axis=(0, 2)), y.var(axis=(0, 2))
            n = y.shape[0] * y.shape[2]
            self.mean = (1 - MOMENTUM) * self.mean + MOMENTUM * m
            self.var = (1 - MOMENTUM) * self.var + MOMENTUM * v * n / (n - 1)
        else:
            m, v = self.mean, self.var
        y = (y - m[None, :, None]) / np.sqrt(v[None, :, None] + EPS)
        if residual is not None:
            y = y + residual
        return np.maximum(y, 0)


class Block:
    def __init__(self, name, cin, width, k, dil, pool):
        wa, wb, wc = widths(width)
        self.a = ConvBn(f"{name}.a", cin, wa, k, dil)
        self.b = ConvBn(f"{name}.b", wa, wb, k, dil)
        self.c = ConvBn(f"{name}.c", wb, wc, k, dil)
        self.s = ConvBn(f"{name}.shortcut", cin, width, 1, 1)
        self.pool = pool

    def __call__(self, x, train):
        ya = self.a(x, None, train)
        yb = self.b(ya, None, train)
        yc = self.c(yb, None, train)
        y = self.s(x, np.concatenate([ya, yb, yc], axis=1), train)
        lo = y.shape[2] // self.pool
        return y[:, :, : lo * self.pool].reshape(y.shape[0], y.shape[1], lo, self.pool).max(axis=3)


blocks, cin = [], 1
for i, (w, k, d, p) in enumerate(BLOCKS):
    blocks.append(Block(f"net.blocks.{i}", cin, w, k, d, p))
    cin = w
head_w = uniform("net.head.weight", (N_CLASSES, cin), cin)
head_b = uniform("net.head.bias", (N_CLASSES,), cin)


def logits(x, train):
    for b in blocks:
        x = b(x, train)
    return x.mean(axis=2) @ head_w.T + head_b


g = SplitMix64(INPUT_SEED)
x = np.array([2 * g.next_f64() - 1 for _ in range(BATCH * INPUT_LEN)]).reshape(BATCH, 1, INPUT_LEN)


def rust(name, a):
    rows = ",\n".join("    [" + ", ".join(repr(float(v)) for v in r) + "]" for r in np.atleast_2d(a))
    print(f"const {name}: [[f64; {np.atleast_2d(a).shape[1]}]; {np.atleast_2d(a).shape[0]}] = [\n{rows},\n];")


rust("FIRST_CONV_WEIGHT", blocks[0].a.w[:, 0, :])
rust("EVAL_LOGITS", logits(x, False))
rust("TRAIN_LOGITS", logits(x, True))
rust("EVAL_LOGITS_AFTER_TRAIN_STEP", logits(x, False))
