#!/usr/bin/env python3
"""PyTorch oracle for exg-model's EXGnet: outputs, gradients and BN running statistics.

Builds a small EXGnet with the PyTorch twin (`benches/torch/exgnet.py`: same layers, same
parameter names), gives it deterministic weights (`torch.manual_seed`; batch-norm affine
parameters and running statistics are set to non-trivial values, not the 1/0 defaults), runs a
deterministic batch of 3 records and writes, under `crates/exg-model/tests/fixtures/torch_oracle/`:

* `weights.safetensors`: every parameter and running statistic, f32, named as in Rust
  (`net.blocks.0.a.conv.weight`, ..., `aux.head.bias`; PyTorch's `num_batches_tracked` dropped);
* `inputs.safetensors`: `input` (3, 1, T) f32 and `features` (3, 17) f32;
* `expected.safetensors`: f64 values computed by PyTorch in float64 from the f32 weights/inputs
  (so they are the exact answer for the stored f32 numbers, up to f64 rounding):
  - `eval.activations` (B, C, T'), `eval.embedding` (B, C), `eval.logits` (B, K): eval mode
    (running statistics);
  - `train.activations`, `train.embedding`, `train.logits`, `train.joint_logits`, `train.loss`:
    train mode (batch statistics), loss = CE(logits, y) + CE(joint_logits, y) (mean reduction),
    the same training loss as `exg bench train` with the feature branch;
  - `grad.<name>` for every trainable parameter and `grad.input`: gradients of that loss;
  - `running.<name>` for every running_mean / running_var after that one train-mode forward
    (PyTorch: new = (1 - momentum) * old + momentum * batch, unbiased batch variance);
* `oracle.json`: the configuration (an `ExgNetConfig` in JSON), labels, torch version, the
  command, and PyTorch's own float32-vs-float64 error per quantity (the floor an f32
  implementation can be expected to reach).

Read by `crates/exg-model/tests/torch_oracle.rs`.

The configuration is not a preset: it is `tiny`-sized but chosen to exercise what `tiny` does
not: even kernels (PyTorch's asymmetric "same" padding: the extra zero goes on the right),
dilation, pooling of lengths that do not divide (45 -> 22 drops a sample, 22 -> 7 drops one),
width 12 (split 2/4/6) and the 17-feature train-only branch.

Needs torch and safetensors (`pip install torch safetensors`). Deterministic: a rerun writes
byte-identical fixtures (checked with torch 2.15.0, CPU).

    .venv/bin/python tools/model_torch_oracle.py
"""
import copy
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches", "torch"))
from exgnet import Model  # noqa: E402  (the twin; parses no arguments when imported)

OUT = os.path.join(ROOT, "crates", "exg-model", "tests", "fixtures", "torch_oracle")
SEED = 20261124

CFG = {
    "sample_rate_hz": 100.0,
    "input_len": 45,
    "n_classes": 3,
    "blocks": [
        {"width": 6, "kernel": 4, "dilation": 1, "pool": 2},
        {"width": 12, "kernel": 3, "dilation": 2, "pool": 3},
        {"width": 12, "kernel": 6, "dilation": 1, "pool": 1},
    ],
    "split": [1.0 / 6.0, 1.0 / 3.0],
    "bn_eps": 1e-5,
    "bn_momentum": 0.1,
    "aux": {"n_features": 17, "hidden": [8]},
}
LABELS = [0, 2, 1]


def build():
    torch.manual_seed(SEED)
    model = Model(CFG, use_aux=True)  # conv/linear: PyTorch's default init under the seed
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                c = m.num_features
                m.weight.copy_(torch.empty(c).uniform_(0.5, 1.5))
                m.bias.copy_(torch.empty(c).uniform_(-0.3, 0.3))
                m.running_mean.copy_(torch.empty(c).normal_(0.0, 0.3))
                m.running_var.copy_(torch.empty(c).uniform_(0.3, 2.0))
    return model


def inputs():
    g = torch.Generator().manual_seed(SEED + 1)
    b, n = len(LABELS), CFG["input_len"]
    t = torch.arange(n, dtype=torch.float64) / CFG["sample_rate_hz"]
    rows = []
    for i in range(b):
        f = 1.0 + 1.5 * i  # Hz
        rows.append((1.0 + 0.3 * i) * torch.sin(2 * torch.pi * f * t + 0.7 * i))
    x = torch.stack(rows).unsqueeze(1) + 0.2 * torch.randn(b, 1, n, generator=g, dtype=torch.float64)
    feats = torch.randn(b, CFG["aux"]["n_features"], generator=g, dtype=torch.float64)
    return x.float(), feats.float()


def run(model, x, feats, y):
    """Every expected quantity, in the dtype of `model` / `x`."""
    out = {}
    model = copy.deepcopy(model)
    model.eval()
    with torch.no_grad():
        a, emb, logits = model.net(x)
    out["eval.activations"], out["eval.embedding"], out["eval.logits"] = a, emb, logits
    model.train()
    xg = x.clone().requires_grad_(True)
    a, emb, logits = model.net(xg)
    joint = model.aux(emb, feats)
    loss = F.cross_entropy(logits, y) + F.cross_entropy(joint, y)
    loss.backward()
    out["train.activations"], out["train.embedding"] = a.detach(), emb.detach()
    out["train.logits"], out["train.joint_logits"] = logits.detach(), joint.detach()
    out["train.loss"] = loss.detach().reshape(1)
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    out["grad.input"] = xg.grad
    for name, buf in model.named_buffers():
        if name.endswith("running_mean") or name.endswith("running_var"):
            out["running." + name] = buf.clone()
    return {k: v.detach().contiguous() for k, v in out.items()}


def main():
    torch.use_deterministic_algorithms(True)
    model = build()
    x, feats = inputs()
    y = torch.tensor(LABELS)
    weights = {
        k: v.contiguous()
        for k, v in model.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }
    exp64 = run(copy.deepcopy(model).double(), x.double(), feats.double(), y)
    exp32 = run(model, x, feats, y)
    # PyTorch's own f32 error against its f64 answer, relative to max |expected|: the level an
    # f32 implementation can reach on these numbers.
    floor = {}
    for k, v in exp64.items():
        scale = max(v.abs().max().item(), 1e-30)
        floor[k] = (exp32[k].double() - v).abs().max().item() / scale
    assert exp64["eval.activations"].abs().max() > 0 and exp64["train.activations"].abs().max() > 0
    os.makedirs(OUT, exist_ok=True)
    save_file(weights, os.path.join(OUT, "weights.safetensors"))
    save_file({"input": x.contiguous(), "features": feats.contiguous()},
              os.path.join(OUT, "inputs.safetensors"))
    save_file(exp64, os.path.join(OUT, "expected.safetensors"))
    meta = {
        "generator": "tools/model_torch_oracle.py",
        "command": ".venv/bin/python tools/model_torch_oracle.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "config": CFG,
        "labels": LABELS,
        "loss": "cross_entropy(logits, labels) + cross_entropy(joint_logits, labels), mean reduction",
        "expected_dtype": "float64 (PyTorch in double precision on the f32 weights and inputs)",
        "torch_f32_rel_error": floor,
    }
    with open(os.path.join(OUT, "oracle.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    worst = max(floor.items(), key=lambda kv: kv[1])
    print(f"wrote {len(weights)} weights, {len(exp64)} expected tensors to {OUT}")
    print(f"torch f32 vs f64, worst relative error: {worst[0]} {worst[1]:.2e}")


if __name__ == "__main__":
    main()
