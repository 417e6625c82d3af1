#!/usr/bin/env python3
"""PyTorch oracle for EXGnet's three-term training loss (exg-model + exg-xai), on shared weights.

The loss of exg-train's trainer and `exg bench train`, as the PyTorch twin computes it
(`benches/torch/exgnet.py`, `objective`):

    CE(logits, y) + lambda_features * CE(joint logits, y)
                  + lambda_xai * (1 - mean_b NCC(Grad-CAM_b, target_b))

Grad-CAM of the true class from the GAP -> linear head (weights W[y] / T'), ReLU, linear
interpolation to the input length (align_corners=False), NCC with eps 1e-8; train mode (batch
statistics), mean reductions.

Same network, weights and input batch as `tools/model_torch_oracle.py` (imported: `build`,
`inputs`; 45 samples, even kernels, dilation, pooling 45 -> 22 -> 7, so T' = 7 and the map is
interpolated 7 -> 45, a non-integer factor), plus seeded attention targets. Writes, under
`crates/exg-xai/tests/fixtures/torch_loss/`:

* `weights.safetensors`: every parameter and running statistic, f32, named as in Rust;
* `inputs.safetensors`: `input` (3, 1, 45), `features` (3, 17), `targets` (3, 45), f32;
* `expected.safetensors`: float64 values (PyTorch in double precision on the f32 numbers), for
  two label sets (cases): `<case>loss`, `<case>ce`, `<case>ce_features`, `<case>xai` (shape (1,)),
  `<case>ncc` (3,), `<case>maps` (3, 45) (the post-processed Grad-CAM), `<case>grad.<name>` for
  every trainable parameter and `<case>grad.input` (gradients of the loss). Case "" (labels
  2, 1, 0): every map varies. Case "flat." (labels 0, 2, 1, those of the model oracle): the
  true-class CAM of record 0 is negative everywhere, so its ReLU map is all zeros, and its NCC is
  0 with no gradient (exg_xai::ncc's convention, which the twin follows);
* `oracle.json`: configuration, the cases' labels, lambdas, eps, the scalar terms again
  (readable), torch version, PyTorch's own float32-vs-float64 error per quantity, and the largest
  difference between the two Grad-CAM forms (closed form vs
  `torch.autograd.grad(create_graph=True)`), which must be at f64 rounding level.

Read by `crates/exg-xai/tests/torch_loss.rs`. Needs torch and safetensors. A rerun on the same
machine writes byte-identical files (torch 2.15.0, CPU, 2 threads); PyTorch's float32 error (and
the last bits of the float64 values) can differ with the CPU and the thread count.

    python3 tools/xai_loss_torch_oracle.py
"""
import copy
import json
import os
import sys

import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches", "torch"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from exgnet import NCC_EPS, objective  # noqa: E402  (the twin; parses no arguments when imported)
from model_torch_oracle import CFG, LABELS, SEED, build, inputs  # noqa: E402

# Case prefix -> labels.
CASES = {"": [2, 1, 0], "flat.": LABELS}

OUT = os.path.join(ROOT, "crates", "exg-xai", "tests", "fixtures", "torch_loss")
LAMBDA_FEATURES = 1.0
LAMBDA_XAI = 0.5  # exg-train's default


def targets():
    """Positive, smooth-ish attention targets: |N(0, 1)| bumps, f32."""
    g = torch.Generator().manual_seed(SEED + 2)
    b, n = len(CASES[""]), CFG["input_len"]
    raw = torch.randn(b, n, generator=g, dtype=torch.float64).abs()
    smooth = torch.nn.functional.avg_pool1d(raw.unsqueeze(1), 3, 1, 1, count_include_pad=False)
    return smooth.squeeze(1).float()


def run(model, x, feats, tgt, y, cam="analytic"):
    model = copy.deepcopy(model)
    model.train()
    xg = x.clone().requires_grad_(True)
    o = objective(model, xg, y, feats, tgt, LAMBDA_FEATURES, LAMBDA_XAI, cam)
    o["loss"].backward()
    out = {k: o[k].detach().reshape(1) for k in ("loss", "ce", "ce_features", "xai")}
    out["ncc"], out["maps"] = o["ncc"].detach(), o["maps"].detach()
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    out["grad.input"] = xg.grad
    return {k: v.detach().contiguous() for k, v in out.items()}


def main():
    torch.use_deterministic_algorithms(True)
    model = build()
    x, feats = inputs()
    tgt = targets()
    m64 = copy.deepcopy(model).double()
    exp64, exp32, forms, terms = {}, {}, 0.0, {}
    for case, labels in CASES.items():
        y = torch.tensor(labels)
        e64 = run(m64, x.double(), feats.double(), tgt.double(), y)
        e32 = run(model, x, feats, tgt, y)
        auto64 = run(m64, x.double(), feats.double(), tgt.double(), y, cam="autograd")
        forms = max(forms, max((auto64[k] - v).abs().max().item() for k, v in e64.items()))
        flat = e64["maps"].amax(-1) == e64["maps"].amin(-1)
        assert flat.tolist() == [case == "flat.", False, False], (case, flat)
        exp64.update({case + k: v for k, v in e64.items()})
        exp32.update({case + k: v for k, v in e32.items()})
        terms[case or "main"] = {k: e64[k].item() for k in ("loss", "ce", "ce_features", "xai")}
        terms[case or "main"]["ncc"] = e64["ncc"].tolist()
    assert forms < 1e-12, f"closed-form and autograd Grad-CAM differ by {forms}"
    assert (exp64["maps"] == 0).any(), "the ReLU should clip somewhere"
    floor = {}
    for k, v in exp64.items():
        scale = max(v.abs().max().item(), 1e-30)
        floor[k] = (exp32[k].double() - v).abs().max().item() / scale
    weights = {
        k: v.contiguous()
        for k, v in model.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }
    os.makedirs(OUT, exist_ok=True)
    save_file(weights, os.path.join(OUT, "weights.safetensors"))
    save_file({"input": x.contiguous(), "features": feats.contiguous(), "targets": tgt},
              os.path.join(OUT, "inputs.safetensors"))
    save_file(exp64, os.path.join(OUT, "expected.safetensors"))
    meta = {
        "generator": "tools/xai_loss_torch_oracle.py",
        "command": "python3 tools/xai_loss_torch_oracle.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "config": CFG,
        "cases": {k or "main": {"prefix": k, "labels": v} for k, v in CASES.items()},
        "lambda_features": LAMBDA_FEATURES,
        "lambda_xai": LAMBDA_XAI,
        "ncc_eps": NCC_EPS,
        "loss": "CE(logits) + lambda_features CE(joint) + lambda_xai (1 - mean NCC(relu(W[y]/T' A) "
                "interpolated to T, target)), train mode, mean reductions",
        "terms": terms,
        "expected_dtype": "float64 (PyTorch in double precision on the f32 weights and inputs)",
        "torch_f32_rel_error": floor,
        "gradcam_closed_form_vs_autograd_max_abs_diff": forms,
    }
    with open(os.path.join(OUT, "oracle.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    worst = max(floor.items(), key=lambda kv: kv[1])
    print(f"wrote {len(weights)} weights, {len(exp64)} expected tensors to {OUT}")
    print("terms:", json.dumps(terms))
    print(f"closed-form vs autograd Grad-CAM: {forms:.1e}")
    print(f"torch f32 vs f64, worst relative error: {worst[0]} {worst[1]:.2e}")


if __name__ == "__main__":
    main()
