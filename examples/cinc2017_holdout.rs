//! A first real-data run: EXGnet (`edge` preset at 125 Hz, 10-s windows) trained with the
//! three-term objective on CinC 2017 (single-lead AliveCor records, classes N, A, O, ~), scored
//! on held-out records (fold 0 of a stratified 5-fold split by record) with the challenge's
//! F1(N,A,O). Resumable: the prepared windows are cached and every epoch is checkpointed under
//! the run folder; rerunning continues where a killed run stopped.
//!
//! ```sh
//! cargo run --release --example cinc2017_holdout -- [DATA_DIR] [--epochs N] [--out DIR]
//! ```
//!
//! `DATA_DIR` defaults to `$EXG_DATA_DIR/cinc2017/training2017` (else
//! `../shared/data/cinc2017/training2017`). This is one held-out fold, not the cross-validated
//! study (`docs/results.md` says what it is and is not).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use candle::{DType, Device};
use exg::data::dataset::cinc2017::{Cinc2017, Label};
use exg::model::init::SeededVarMap;
use exg::model::{ExgNet, ExgNetConfig, FeatureHead, ModelMeta, Preprocessing};
use exg::signal::Hz;
use exg::train::cv::{Evaluation, Folds, Record, inner_split, predict_records};
use exg::train::optim::AdamWConfig;
use exg::train::prepare::{PrepareConfig, Source, prepare, standardize_fold};
use exg::train::trainer::{Checkpoints, Example, Models, Progress, Selection, TrainConfig, fit};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let epochs: usize = flag("--epochs").map_or(Ok(12), |v| v.parse())?;
    let window_s: f64 = flag("--window-s").map_or(Ok(10.0), |v| v.parse())?;
    let hop_s: f64 = flag("--hop-s").map_or(Ok(window_s), |v| v.parse())?;
    let out = PathBuf::from(flag("--out").unwrap_or_else(|| "runs/cinc2017".into()));
    let dir = args.first().filter(|a| !a.starts_with("--")).map_or_else(
        || exg::data::testdata::root().join("cinc2017/training2017"),
        PathBuf::from,
    );
    let t0 = Instant::now();
    let db = Cinc2017::open(&dir).with_context(|| format!("CinC 2017 at {}", dir.display()))?;
    let names: Vec<String> = Label::ALL.iter().map(|l| l.symbol().to_string()).collect();
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for entry in db.entries() {
        match db.read(entry).and_then(|r| r.ecg(0)) {
            Ok(ecg) => sources.push(Source {
                id: entry.record.clone(),
                label: entry.label.index(),
                class_hint: match entry.label {
                    Label::Normal => Some("SR".into()),
                    Label::Af => Some("AFIB".into()),
                    _ => None,
                },
                provided: None,
                ecg,
            }),
            Err(e) => unreadable.push(format!("{}: {e}", entry.record)),
        }
    }
    eprintln!(
        "{} records read, {} unreadable {:?}",
        sources.len(),
        unreadable.len(),
        unreadable
    );

    let mut cfg = ExgNetConfig::edge();
    cfg.sample_rate_hz = 125.0;
    cfg.input_len = (window_s * cfg.sample_rate_hz).round() as usize;
    cfg.n_classes = names.len();
    let hop = (hop_s * cfg.sample_rate_hz).round() as usize;
    let prep = PrepareConfig::new(Hz::new(cfg.sample_rate_hz)?, cfg.input_len, hop);
    let (records, stats) = prepare(&sources, &prep, Some(&out.join("cache")))?;
    eprintln!("prepared in {:.0} s: {stats:?}", t0.elapsed().as_secs_f64());

    let labels: Vec<usize> = records.iter().map(|r| r.label).collect();
    let fold = &Folds::Stratified { k: 5, seed: 42 }.split(&labels)?[0];
    let (fit_idx, val_idx) = inner_split(&labels, &fold.train, 0.1, 42)?;
    let pick = |idx: &[usize]| {
        idx.iter()
            .map(|&i| records[i].clone())
            .collect::<Vec<Record>>()
    };
    let (mut train, mut val, mut test) = (pick(&fit_idx), pick(&val_idx), pick(&fold.test));
    standardize_fold(&mut train, &mut [&mut val, &mut test])?;
    let windows = |rs: &[Record]| {
        rs.iter()
            .flat_map(|r| r.windows.clone())
            .collect::<Vec<Example>>()
    };

    let dev = Device::Cpu;
    let vars = SeededVarMap::new(42);
    let net = ExgNet::new(&cfg, vars.var_builder(DType::F32, &dev))?;
    let head = FeatureHead::new(&cfg.feature_head()?, vars.var_builder(DType::F32, &dev))?;
    let tc = TrainConfig {
        epochs,
        batch_size: 32,
        optimizer: AdamWConfig {
            lr: 3e-3,
            ..AdamWConfig::default()
        },
        selection: Selection::MeanF1(vec![0, 1, 2]),
        patience: None,
        ..TrainConfig::default()
    };
    let outcome = fit(
        &Models {
            classifier: &net,
            features: Some(&head),
        },
        &windows(&train),
        &windows(&val),
        &tc,
        &Checkpoints {
            dir: Some(out.join("checkpoints")),
            resume: true,
        },
        &mut |p| {
            if let Progress::EpochEnd(e) = p {
                eprintln!("{e}");
            }
        },
    )?;

    let probs = predict_records(&net, &test, 64, &dev)?;
    let truth: Vec<usize> = test.iter().map(|r| r.label).collect();
    let eval = Evaluation::from_probabilities(&truth, &probs, &names, Some(&[0, 1, 2]))?;
    let f1 = |c: usize| eval.per_class[c].f1.unwrap_or(0.0);
    println!(
        "held-out records {}: F1(N,A,O) {:.3} (N {:.3}, A {:.3}, O {:.3}), accuracy {:.3}, macro-F1 {:.3}; selected epoch {}; {:.0} s",
        eval.records,
        eval.subset_f1.unwrap_or(0.0),
        f1(0),
        f1(1),
        f1(2),
        eval.accuracy,
        eval.macro_f1,
        outcome.selected_epoch,
        t0.elapsed().as_secs_f64()
    );
    let meta = ModelMeta::new(
        names,
        Preprocessing::zscore_at(cfg.sample_rate_hz),
        "PhysioNet/CinC Challenge 2017 training set, stratified fold 0 held out (ODC-By 1.0)",
    );
    net.save_described(&out.join("model.safetensors"), &meta)?;
    let json = serde_json::json!({
        "evaluation": eval,
        "selected_epoch": outcome.selected_epoch,
        "history": outcome.history,
        "unreadable": unreadable,
        "seconds": t0.elapsed().as_secs_f64(),
    });
    exg::model::described::write_atomic(
        &out.join("metrics.json"),
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    Ok(())
}
