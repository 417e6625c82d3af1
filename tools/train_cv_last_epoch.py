"""Scores the *last* epoch of every fold of a finished `exg cv` run, next to the epoch the run
selected on its validation split, on the same test records and with the same `exg eval` path
(docs/results.md, "Padding and model selection").

Model selection does not change training (the validation split is only scored), so the last
epoch's model of a fold is exactly the model `"train": {"keep_last_epoch": true}` keeps: this
gives that setting's cross-validation from a run made without it. For each fold it copies the
`net.*` tensors of `fold-<i>/checkpoints/last.safetensors` into a model file with the fold
model's metadata, links the fold's test records (ids from `result.json`) into a folder with
their own `REFERENCE.csv`, and runs `exg eval --json` on it; the selected model goes through the
same path, which must reproduce the run's own figures (checked).

    python3 tools/train_cv_last_epoch.py runs/cinc2017/cv-crop30 [DATA_DIR] [EXG] [PREDICTIONS]

PREDICTIONS: a CSV to write the last-epoch models' per-record predictions to (every fold's test
records, `exg eval --predictions` rows with their `fold` column set). DATA_DIR: the CinC 2017 `training2017` folder (default ../shared/data/cinc2017/training2017);
EXG: the exg binary (default target/release/exg). Needs numpy and safetensors.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def f1_nao(evaluation):
    f1 = [c["f1"] for c in evaluation["per_class"]]
    return sum(f1[:3]) / 3


def evaluate(exg, model, folder, predictions=None):
    extra = ["--predictions", predictions] if predictions else []
    out = subprocess.run([exg, "eval", "--model", model, "--dataset", "cinc2017",
                          "--data-dir", folder, "--json", *extra], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"exg eval failed: {out.stderr}")
    return json.loads(out.stdout)


def main():
    run = sys.argv[1]
    data = os.path.abspath(sys.argv[2] if len(sys.argv) > 2
                           else "../shared/data/cinc2017/training2017")
    exg = sys.argv[3] if len(sys.argv) > 3 else "target/release/exg"
    predictions = sys.argv[4] if len(sys.argv) > 4 else None
    pred_rows = []
    labels = dict(line.strip().split(",") for line in open(f"{data}/REFERENCE.csv") if line.strip())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fold = 1
        while os.path.exists(f"{run}/fold-{fold}/result.json"):
            d = f"{run}/fold-{fold}"
            result = json.load(open(f"{d}/result.json"))
            folder = f"{tmp}/fold-{fold}"
            os.makedirs(folder)
            ids = [p["id"] for p in result["predictions"]]
            for i in ids:
                for ext in ("hea", "mat"):
                    os.symlink(f"{data}/{i}.{ext}", f"{folder}/{i}.{ext}")
            with open(f"{folder}/REFERENCE.csv", "w") as f:
                f.writelines(f"{i},{labels[i]}\n" for i in ids)
            selected = evaluate(exg, f"{d}/model.safetensors", folder)
            if abs(f1_nao(selected) - f1_nao(result["evaluation"])) > 1e-9:
                sys.exit(f"fold {fold}: exg eval does not reproduce the run's figure")
            meta = safe_open(f"{d}/model.safetensors", "np").metadata()
            tensors = {k: v for k, v in load_file(f"{d}/checkpoints/last.safetensors").items()
                       if k.startswith("net.")}
            last_model = f"{tmp}/fold-{fold}-last.safetensors"
            save_file(tensors, last_model, metadata=meta)
            fold_csv = f"{tmp}/fold-{fold}-predictions.csv"
            last = evaluate(exg, last_model, folder, fold_csv if predictions else None)
            if predictions:
                lines = open(fold_csv).read().splitlines()
                # `exg eval` writes the `fold` column as 0: set it.
                if not pred_rows:
                    pred_rows.append(lines[0])
                pred_rows.extend(f"{fold}," + line.split(",", 1)[1] for line in lines[1:])
            rows.append((fold, result["selected_epoch"], len(result["history"]),
                         f1_nao(selected), f1_nao(last), selected["accuracy"], last["accuracy"],
                         [c["f1"] for c in last["per_class"]]))
            fold += 1
    if predictions:
        with open(predictions, "w") as f:
            f.write("\n".join(pred_rows) + "\n")
    print("| fold | selected epoch | F1(N,A,O) selected | F1(N,A,O) last epoch "
          "| accuracy selected | accuracy last | last: F1 N / A / O / ~ |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for fold, sel, n, fs, fl, acs, acl, f1 in rows:
        print(f"| {fold} | {sel} of {n} | {fs:.3f} | {fl:.3f} | {acs:.3f} | {acl:.3f} | "
              + " / ".join(f"{v:.3f}" for v in f1) + " |")
    if len(rows) > 1:
        def ms(i):
            v = [r[i] for r in rows]
            return f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}"
        print(f"| mean ± sd | | {ms(3)} | {ms(4)} | {ms(5)} | {ms(6)} | |")


if __name__ == "__main__":
    main()
