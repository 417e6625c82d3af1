//! `exg fuse`: a feature classifier kept at deployment, fused with a cross-validated network
//! (`exg_train::fusion`; `docs/training.md` §"Feature fusion").
//!
//! ```text
//! exg fuse --dataset cinc2017 --data-dir DIR --predictions RUN/predictions.csv [--predictions
//!          RUN2/predictions.csv ...] --out DIR2 \
//!          [--model M.safetensors [--model M2.safetensors ...] --save FUSED.safetensors]
//! ```
//!
//! Reads the network's out-of-fold record predictions (`exg cv`'s `predictions.csv`; several
//! are averaged, an ensemble of networks cross-validated on the same folds), computes every
//! record's features (those of `exg hrv`), and evaluates the fusion nested on the same folds
//! (trees and weight chosen without the test fold): `DIR2/metrics.json`, `DIR2/report.md` and
//! the fused `DIR2/predictions.csv`. With `--model`, the trees are refitted on every record and
//! the model is written again with them (`--save`, atomically); the networks themselves are
//! unchanged. Several `--predictions` need as many `--model`s, in the same order (the network
//! trained on every record with the configuration of each cross-validated run): they are saved
//! together as one ensemble (`exg_model::Ensemble`), whose probabilities are the mean the fusion
//! was evaluated on.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use candle::Device;
use exg_model::{Ensemble, ExgNet};
use exg_train::cv::{Evaluation, Summary};
use exg_train::fusion::{
    FusionConfig, FusionCv, FusionData, FusionFold, average_predictions, cross_validate_fusion,
    feature_values, fit_fusion, parse_predictions_csv, record_features,
};
use exg_train::report::Report;
use exg_train::study::{RecordPrediction, predictions_csv};
use rayon::prelude::*;

use super::DatasetArgs;

/// `exg fuse` options.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// The network's cross-validated record predictions (`exg cv`'s `predictions.csv`);
    /// repeated, their mean (networks cross-validated on the same folds).
    #[arg(long, value_name = "FILE", required = true)]
    pub predictions: Vec<PathBuf>,
    /// Folder for `metrics.json`, `report.md` and the fused `predictions.csv`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A described model (the network trained on every record) to add the feature classifier
    /// to; needs `--save`. Repeated, one per `--predictions` in the same order: the networks
    /// are saved as one ensemble.
    #[arg(long, value_name = "FILE", requires = "save")]
    pub model: Vec<PathBuf>,
    /// Where to write the model with its feature classifier.
    #[arg(long, value_name = "FILE", requires = "model")]
    pub save: Option<PathBuf>,
    /// Fusion settings as JSON (`FusionConfig`: `trees`, `weights`); defaults otherwise.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let cfg: FusionConfig = match &args.config {
        Some(p) => serde_json::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )
        .with_context(|| format!("parsing {}", p.display()))?,
        None => FusionConfig::default(),
    };
    let data = args.data.load()?;
    if !args.model.is_empty() && args.model.len() != args.predictions.len() {
        bail!(
            "{} --model for {} --predictions: give the final model of each cross-validated run, \
             in the same order",
            args.model.len(),
            args.predictions.len()
        );
    }
    // The models are read first, so that a bad file fails before minutes of feature work.
    let deploy = match &args.save {
        Some(_) => Some(load_networks(&args.model)?),
        None => None,
    };
    if let Some((_, meta)) = &deploy
        && meta.classes != data.classes
    {
        bail!(
            "the model's classes {:?} are not the data's {:?}",
            meta.classes,
            data.classes
        );
    }
    let runs = args
        .predictions
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            parse_predictions_csv(&text, &data.classes)
                .with_context(|| format!("in {}", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rows = average_predictions(&runs)?;
    let by_id: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    // The records the network predicted, in the dataset's order.
    let records: Vec<(usize, usize)> = data
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, s)| by_id.get(s.id.as_str()).map(|&r| (i, r)))
        .collect();
    if records.len() < rows.len() {
        bail!(
            "{} of the {} predicted records are not in {} (another dataset?)",
            rows.len() - records.len(),
            rows.len(),
            data.name
        );
    }
    for &(i, r) in &records {
        if data.classes[data.records[i].label] != rows[r].label {
            bail!(
                "record {}: label {} in the predictions, {} in the data",
                rows[r].id,
                rows[r].label,
                data.classes[data.records[i].label]
            );
        }
    }
    eprintln!("computing the features of {} records", records.len());
    let vectors = records
        .par_iter()
        .map(|&(i, _)| {
            record_features(&data.records[i].ecg)
                .with_context(|| format!("record {}", data.records[i].id))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let names: Vec<String> = vectors
        .first()
        .map(|v| v.schema().names().map(str::to_owned).collect())
        .unwrap_or_default();
    let features: Vec<Vec<f32>> = vectors.iter().map(|v| feature_values(v, &names)).collect();
    let labels: Vec<usize> = records
        .iter()
        .map(|&(i, _)| data.records[i].label)
        .collect();
    let folds: Vec<usize> = records.iter().map(|&(_, r)| rows[r].fold).collect();
    let net: Vec<Vec<f32>> = records
        .iter()
        .map(|&(_, r)| rows[r].probabilities.clone())
        .collect();
    // The dataset's challenge classes (CinC 2017: N, A, O), as its study configuration names them.
    let subset: Vec<usize> = exg_train::study::StudyConfig::for_dataset(&data.name)
        .score_classes
        .iter()
        .filter_map(|c| data.classes.iter().position(|k| k == c))
        .collect();
    let d = FusionData {
        features: &features,
        labels: &labels,
        folds: &folds,
        net: &net,
        classes: &data.classes,
        subset: &subset,
    };
    let started = std::time::Instant::now();
    let cv = cross_validate_fusion(&d, &cfg)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let fused: Vec<(usize, RecordPrediction)> = records
        .iter()
        .enumerate()
        .map(|(k, &(i, r))| {
            let p = &cv.fused_oof[k];
            (
                rows[r].fold,
                RecordPrediction {
                    id: rows[r].id.clone(),
                    label: labels[k],
                    predicted: exg_train::trainer::argmax(p),
                    probabilities: p.clone(),
                    seconds: data.records[i].ecg.duration(),
                },
            )
        })
        .collect();
    let mut per_fold: Vec<(usize, Vec<RecordPrediction>)> = Vec::new();
    for (f, p) in fused {
        match per_fold.iter_mut().find(|(g, _)| *g == f) {
            Some((_, v)) => v.push(p),
            None => per_fold.push((f, vec![p])),
        }
    }
    let refs: Vec<(usize, &[RecordPrediction])> =
        per_fold.iter().map(|(f, v)| (*f, v.as_slice())).collect();
    super::write_text(
        &args.out.join("predictions.csv"),
        &predictions_csv(&data.classes, &refs),
    )?;
    super::write_text(
        &args.out.join("metrics.json"),
        &serde_json::to_string_pretty(&cv)?,
    )?;
    let pooled: Vec<RecordPrediction> = per_fold
        .iter()
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    let score_classes: Vec<String> = subset.iter().map(|&k| data.classes[k].clone()).collect();
    let report = report(
        &cv,
        &names,
        &pooled,
        &data.classes,
        &score_classes,
        &args,
        started.elapsed().as_secs_f64(),
    )?;
    super::write_text(&args.out.join("report.md"), &report)?;
    print!("{report}");
    if let (Some(save), Some((nets, meta))) = (&args.save, deploy) {
        let fusion = fit_fusion(&d, &cv.trees_oof, &names, &cfg)?;
        println!(
            "deployed fusion: {} network(s), trees on {} features, weight {}",
            nets.members().len(),
            names.len(),
            fusion.weight
        );
        nets.save_described(save, &meta.with_fusion(fusion))
            .with_context(|| format!("writing {}", save.display()))?;
    }
    Ok(())
}

/// The one-network described models `paths` as one ensemble, with the first one's metadata;
/// every model must have the same configuration, classes and preprocessing.
fn load_networks(paths: &[PathBuf]) -> anyhow::Result<(Ensemble, exg_model::ModelMeta)> {
    let mut nets = Vec::with_capacity(paths.len());
    let mut first: Option<exg_model::ModelMeta> = None;
    for path in paths {
        let (net, meta) = ExgNet::load_described(path, &Device::Cpu)
            .with_context(|| format!("loading model {}", path.display()))?;
        if let Some(m) = &first
            && (m.classes != meta.classes || m.preprocessing != meta.preprocessing)
        {
            bail!(
                "{}: classes or preprocessing differ from {}",
                path.display(),
                paths[0].display()
            );
        }
        first.get_or_insert(meta);
        nets.push(net);
    }
    let meta = first.context("no --model")?;
    let nets = Ensemble::new(nets).context("the --model networks cannot form one ensemble")?;
    Ok((nets, meta))
}

/// Which evaluation of a fold a report row shows.
type Part = fn(&FusionFold) -> &Evaluation;

/// The markdown report: per fold and mean ± sd of the network, the trees and the fusion; the
/// fusion's pooled per-class figures and its figures by record length.
fn report(
    cv: &FusionCv,
    names: &[String],
    preds: &[RecordPrediction],
    classes: &[String],
    score_classes: &[String],
    args: &Args,
    seconds: f64,
) -> anyhow::Result<String> {
    let score = |e: &Evaluation| e.subset_f1.unwrap_or(e.macro_f1);
    let metric = if score_classes.is_empty() {
        "macro-F1".to_string()
    } else {
        format!("F1({})", score_classes.join(","))
    };
    let mut r = Report::new("Feature fusion");
    r.paragraph(format!(
        "Network: the out-of-fold predictions `{}`. Feature classifier: gradient-boosted trees \
         on {} features (`exg hrv`'s), fitted for each test fold on the other folds' records; \
         fusion weight chosen on the other folds, with trees from an inner cross-validation \
         over them. {seconds:.0} s.",
        args.predictions
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("`, `"),
        names.len()
    ));
    let mut head = vec![metric.clone()];
    head.extend(cv.folds.iter().map(|f| format!("fold {}", f.fold)));
    head.push("mean ± sd".into());
    let parts: [(&str, Part, &Summary); 3] = [
        ("network", |f| &f.net, &cv.net),
        ("features (trees)", |f| &f.trees, &cv.trees),
        ("**fused**", |f| &f.fused, &cv.fused),
    ];
    let mut rows: Vec<Vec<String>> = parts
        .iter()
        .map(|(name, part, summary)| {
            let m = summary.subset_f1.as_ref().unwrap_or(&summary.macro_f1);
            let mut row = vec![name.to_string()];
            row.extend(cv.folds.iter().map(|f| format!("{:.3}", score(part(f)))));
            row.push(format!("{:.3} ± {:.3}", m.mean, m.sd));
            row
        })
        .collect();
    let mut weights = vec!["weight".to_string()];
    weights.extend(cv.folds.iter().map(|f| format!("{:.1}", f.weight)));
    weights.push(String::new());
    rows.push(weights);
    r.table(&head, &rows);
    r.paragraph(format!(
        "Paired gain of the fusion in {metric}: {:+.3} ± {:.3}. Accuracy {:.3} ± {:.3} (network {:.3} ± {:.3}).",
        cv.gain.mean, cv.gain.sd, cv.fused.accuracy.mean, cv.fused.accuracy.sd,
        cv.net.accuracy.mean, cv.net.accuracy.sd
    ));
    let labels: Vec<usize> = preds.iter().map(|p| p.label).collect();
    let probs: Vec<Vec<f32>> = preds.iter().map(|p| p.probabilities.clone()).collect();
    let pooled = Evaluation::from_probabilities(&labels, &probs, classes, None)?;
    r.heading("Fused, all test folds pooled");
    let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    let rows: Vec<Vec<String>> = classes
        .iter()
        .zip(&pooled.per_class)
        .map(|(c, m)| {
            vec![
                c.clone(),
                m.support.to_string(),
                f(m.sensitivity),
                f(m.specificity),
                f(m.precision),
                f(m.f1),
            ]
        })
        .collect();
    r.table(
        &[
            "class",
            "records",
            "sensitivity",
            "specificity",
            "precision",
            "F1",
        ],
        &rows,
    );
    r.paragraph(format!(
        "Confusion matrix (rows: truth): `{:?}`.",
        pooled.confusion
    ));
    let (head, rows) = super::report::length_table(preds, classes, score_classes)?;
    r.heading("Fused, by record length");
    r.table(&head, &rows);
    Ok(r.to_markdown())
}
