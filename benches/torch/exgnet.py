#!/usr/bin/env python3
"""PyTorch twin of exg-model's EXGnet, for side-by-side speed comparison.

Reads the SAME JSON as `exg bench train` (benches/exgnet-bench.json): the network config under
"model", plus batch, lr, weight_decay, warmup, use_aux, seed, lambda_features, lambda_xai. Builds
the identical network (same layers, shapes, parameter names and count) and times either a full
training step (forward, the loss, backward, AdamW; batch from the config) or single-record
inference (batch 1, eval mode, no grad). Prints the same fields as exg's report.

The training loss is EXGnet's three-term objective, as in exg-train's trainer and `exg bench
train` (see `objective`):

    CE(signal head) + lambda_features * CE(joint head: embedding ++ features)
                    + lambda_xai * (1 - NCC(Grad-CAM of the true class at length T, target))

A lambda of 0 leaves its term out of the graph. Features and attention targets are a fixed random
batch (normal features, |normal| targets), as in the Rust bench (the trainer caches them).
--lambda-features / --lambda-xai override the config's values.

    python benches/torch/exgnet.py --config benches/exgnet-bench.json --steps 10 --json --threads 2
    python benches/torch/exgnet.py --config benches/exgnet-bench.json --steps 10 --json --threads 2 \
        --lambda-features 0 --lambda-xai 0                  # the plain step: CE of the signal head
    python benches/torch/exgnet.py --config benches/exgnet-bench.json --steps 50 --json --threads 1 --infer
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--infer", action="store_true", help="time one-record inference instead")
    p.add_argument("--lambda-features", type=float, default=None,
                   help="override the config's lambda_features")
    p.add_argument("--lambda-xai", type=float, default=None,
                   help="override the config's lambda_xai")
    p.add_argument("--cam", choices=["analytic", "autograd"], default="analytic",
                   help="Grad-CAM weights: the closed form of a GAP -> linear head (exg's), or "
                        "torch.autograd.grad(create_graph=True) on the activations")
    return p.parse_args()


# Parsed only when run as a script, so tools/model_torch_oracle.py can import the modules.
args = parse() if __name__ == "__main__" else None
if args is not None and args.threads:
    # Set before importing torch so OpenMP/MKL pools start at the right size.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["MKL_NUM_THREADS"] = str(args.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if args is not None and args.threads:
    torch.set_num_threads(args.threads)


def widths(cfg, width):
    # Same rounding as ExgNetConfig::widths: round(W*s0), round(W*s1), remainder.
    a = int(round(width * cfg["split"][0] + 1e-12))
    b = int(round(width * cfg["split"][1] + 1e-12))
    return [a, b, width - a - b]


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, dilation, same, eps, momentum):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, dilation=dilation,
                              padding="same" if same else 0, bias=False)
        self.bn = nn.BatchNorm1d(cout, eps=eps, momentum=momentum)


class MultiResBlock(nn.Module):
    def __init__(self, cin, ws, k, dilation, pool, eps, momentum):
        super().__init__()
        self.a = ConvBn(cin, ws[0], k, dilation, True, eps, momentum)
        self.b = ConvBn(ws[0], ws[1], k, dilation, True, eps, momentum)
        self.c = ConvBn(ws[1], ws[2], k, dilation, True, eps, momentum)
        self.shortcut = ConvBn(cin, sum(ws), 1, 1, False, eps, momentum)
        self.pool = pool

    def forward(self, x):
        ya = F.relu(self.a.bn(self.a.conv(x)))
        yb = F.relu(self.b.bn(self.b.conv(ya)))
        yc = F.relu(self.c.bn(self.c.conv(yb)))
        y = F.relu(self.shortcut.bn(self.shortcut.conv(x)) + torch.cat([ya, yb, yc], 1))
        return F.max_pool1d(y, self.pool) if self.pool > 1 else y


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        blocks, cin = [], 1
        for b in cfg["blocks"]:
            blocks.append(MultiResBlock(cin, widths(cfg, b["width"]), b["kernel"],
                                        b.get("dilation", 1), b.get("pool", 1),
                                        cfg["bn_eps"], cfg["bn_momentum"]))
            cin = b["width"]
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(cin, cfg["n_classes"])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        emb = x.mean(-1)
        return x, emb, self.head(emb)


class Aux(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        a = cfg["aux"]
        layers, din = [], a["n_features"]
        for h in a["hidden"]:
            layers.append(nn.Linear(din, h))
            din = h
        self.mlp = nn.ModuleList(layers)
        self.head = nn.Linear(cfg["blocks"][-1]["width"] + din, cfg["n_classes"])

    def forward(self, emb, feats):
        h = feats
        for l in self.mlp:
            h = F.relu(l(h))
        return self.head(torch.cat([emb, h], 1))


class Model(nn.Module):
    def __init__(self, cfg, use_aux):
        super().__init__()
        self.net = Net(cfg)
        self.aux = Aux(cfg) if use_aux else None


# The default epsilon of the NCC denominator (exg_xai::ncc::DEFAULT_EPS).
NCC_EPS = 1e-8
# exg_xai::ncc floors squared norms at this before the square root (finite derivative).
NORM_FLOOR = 1e-30


def gradcam(acts, logits, head_weight, y, length, mode="analytic"):
    """Differentiable Grad-CAM of the true classes `y`, post-processed for the loss as exg's
    `GradCam::differentiable` with `PostProcess::TRAINING`: ReLU at the activation length T',
    then linear interpolation to `length` (align_corners=False: exg_xai::resample's centre
    alignment), no normalisation. (B, C, T') -> (B, length).

    With a GAP -> linear head, d y_c / d A_k(t) = W[c, k] / T' at every t, so Grad-CAM's channel
    weights are the head weight row of the class over T' ("analytic", what exg computes). The
    "autograd" form takes the same weights from torch.autograd.grad(create_graph=True), i.e.
    Grad-CAM by its definition, kept in the graph; both give the same map and gradients.
    """
    t = acts.shape[-1]
    if mode == "analytic":
        alpha = head_weight[y] / t  # (B, C)
    else:
        score = logits.gather(1, y[:, None]).sum()
        g = torch.autograd.grad(score, acts, create_graph=True)[0]  # (B, C, T')
        alpha = g.mean(-1)
    cam = torch.bmm(alpha.unsqueeze(1), acts).squeeze(1)  # (B, T')
    cam = F.relu(cam)
    if length != t:
        cam = F.interpolate(cam.unsqueeze(1), size=length, mode="linear",
                            align_corners=False).squeeze(1)
    return cam


def ncc(m, g, eps=NCC_EPS):
    """Per-row NCC as exg_xai::ncc: sum((m - mean)(g - mean)) / (|m - mean| |g - mean| + eps),
    defined as 0 (no gradient) for a row of m or g whose values are all equal. (B, T) -> (B,)."""
    mc = m - m.mean(-1, keepdim=True)
    gc = g - g.mean(-1, keepdim=True)
    num = (mc * gc).sum(-1)
    norm = lambda x: x.square().sum(-1).clamp_min(NORM_FLOOR).sqrt()
    r = num / (norm(mc) * norm(gc) + eps)
    flat = lambda x: x.detach().amax(-1) == x.detach().amin(-1)
    return torch.where(flat(m) | flat(g), torch.zeros_like(r), r)


def objective(model, x, y, feats, targets, lambda_features, lambda_xai, cam="analytic"):
    """EXGnet's training loss on one batch (train or eval mode as the model is set), with its
    terms: {"loss", "ce", "ce_features", "xai", "maps", "ncc"} (absent terms are None)."""
    acts, emb, logits = model.net(x)
    out = {"ce": F.cross_entropy(logits, y), "ce_features": None, "xai": None,
           "maps": None, "ncc": None, "logits": logits}
    loss = out["ce"]
    if lambda_features > 0 and model.aux is not None and feats is not None:
        out["ce_features"] = F.cross_entropy(model.aux(emb, feats), y)
        loss = loss + lambda_features * out["ce_features"]
    if lambda_xai > 0:
        maps = gradcam(acts, logits, model.net.head.weight, y, x.shape[-1], cam)
        r = ncc(maps, targets.to(maps.dtype))
        out["maps"], out["ncc"], out["xai"] = maps, r, 1.0 - r.mean()
        loss = loss + lambda_xai * out["xai"]
    out["loss"] = loss
    return out


def flops(cfg):
    f, cin, n = 0, 1, cfg["input_len"]
    for b in cfg["blocks"]:
        c = cin
        for w in widths(cfg, b["width"]):
            f += 2 * c * w * b["kernel"] * n
            c = w
        f += 2 * cin * b["width"] * n
        cin, n = b["width"], n // b.get("pool", 1)
    return f + 2 * cin * cfg["n_classes"]


def summarize(v):
    v = sorted(v)
    return sum(v) / len(v), v[0], v[len(v) // 2]


def main():
    bc = json.load(open(args.config))
    cfg = bc["model"]
    torch.manual_seed(bc.get("seed", 0))
    use_aux = bool(bc.get("use_aux", False)) and not args.infer
    lam_f = bc.get("lambda_features", 1.0) if args.lambda_features is None else args.lambda_features
    lam_x = bc.get("lambda_xai", 0.0) if args.lambda_xai is None else args.lambda_xai
    if args.infer:
        lam_f = lam_x = 0.0
    model = Model(cfg, use_aux)
    n_net = sum(p.numel() for p in model.net.parameters())
    n_aux = sum(p.numel() for p in model.aux.parameters()) if model.aux is not None else 0
    warm = bc.get("warmup", 2)
    tot, fw, bw, op = [], [], [], []
    if args.infer:
        model.eval()
        x = torch.randn(1, 1, cfg["input_len"])
        with torch.inference_mode():
            for i in range(warm + args.steps):
                t0 = time.perf_counter()
                model.net(x)[2].tolist()
                if i >= warm:
                    tot.append((time.perf_counter() - t0) * 1e3)
        fw = tot
        batch = 1
    else:
        model.train()
        batch = bc["batch"]
        x = torch.randn(batch, 1, cfg["input_len"])
        y = torch.randint(0, cfg["n_classes"], (batch,))
        feats = torch.randn(batch, cfg["aux"]["n_features"]) if use_aux else None
        targets = torch.randn(batch, cfg["input_len"]).abs()
        opt = torch.optim.AdamW(model.parameters(), lr=bc["lr"], weight_decay=bc["weight_decay"])
        for i in range(warm + args.steps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = objective(model, x, y, feats, targets, lam_f, lam_x, args.cam)["loss"]
            loss.item()
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            t3 = time.perf_counter()
            if i >= warm:
                tot.append((t3 - t0) * 1e3)
                fw.append((t1 - t0) * 1e3)
                bw.append((t2 - t1) * 1e3)
                op.append((t3 - t2) * 1e3)
    mean, mn, med = summarize(tot)
    avg = lambda v: sum(v) / len(v) if v else 0.0
    rep = {
        "bench": "infer" if args.infer else "train",
        "ms_per_step": mean, "ms_min": mn, "ms_median": med,
        "ms_forward": avg(fw), "ms_backward": avg(bw), "ms_optimizer": avg(op),
        "steps": args.steps, "batch": batch, "threads": torch.get_num_threads(),
        "params": n_net, "aux_params": n_aux, "flops_per_record": flops(cfg),
        "framework": f"pytorch {torch.__version__}",
        "lambda_features": lam_f if use_aux else 0.0, "lambda_xai": lam_x,
    }
    if args.json:
        print(json.dumps(rep))
    else:
        print(rep)


if __name__ == "__main__":
    main()
