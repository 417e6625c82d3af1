#!/usr/bin/env python3
"""PyTorch oracle for exg-train's cross-entropy (class weights, label smoothing).

Writes crates/exg-train/tests/fixtures/loss_torch.json, read by
crates/exg-train/tests/loss_torch.rs: seeded logits (B=6, K=4) and labels, and for each
(weights, smoothing) case torch.nn.functional.cross_entropy's value and its gradient with
respect to the logits, in float64.

    python3 tools/train_loss_torch_oracle.py
"""
import json
from pathlib import Path

import torch

torch.manual_seed(2506)
logits = torch.randn(6, 4, dtype=torch.float64) * 2.0
labels = torch.tensor([0, 3, 1, 1, 2, 3])
weights = torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=torch.float64)
cases = []
for w in (None, weights):
    for eps in (0.0, 0.1, 0.3):
        z = logits.clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(z, labels, weight=w, label_smoothing=eps)
        loss.backward()
        cases.append({
            "weights": None if w is None else w.tolist(),
            "smoothing": eps,
            "loss": loss.item(),
            "grad": z.grad.tolist(),
        })
out = Path(__file__).resolve().parent.parent / "crates/exg-train/tests/fixtures/loss_torch.json"
out.write_text(json.dumps({
    "torch": torch.__version__,
    "logits": logits.tolist(),
    "labels": labels.tolist(),
    "cases": cases,
}, indent=1) + "\n")
print(f"wrote {out} (torch {torch.__version__})")
