//! The human-readable part of a run folder: `epochs.csv`, `figures/` (learning curves,
//! confusion matrix, one explanation per class) and `report.md`.

use std::path::Path;

use anyhow::Context;
use exg_train::report::{
    ConfusionFigure, LearningCurves, Report, evaluation_table, summary_table, write_epochs_csv,
};
use exg_train::study::{CvResult, StudyConfig, StudyData, TrainResult};

use crate::cmd::explain::explain;
use crate::cmd::model::Model;

/// One explanation figure per class, from the first listed record of each class in `ids`
/// order; returns the figures' paths relative to `out`.
fn explanations(
    out: &Path,
    model_path: &Path,
    data: &StudyData,
    ids: &[&str],
) -> anyhow::Result<Vec<(String, String)>> {
    let model = Model::open(model_path)?;
    let mut files = Vec::new();
    for (c, class) in data.classes.iter().enumerate() {
        let Some(src) = ids
            .iter()
            .filter_map(|id| data.records.iter().find(|r| r.id == *id))
            .find(|r| r.label == c)
        else {
            continue;
        };
        let e = match explain(&model, &src.ecg) {
            Ok(e) => e,
            Err(err) => {
                eprintln!("exg: no explanation figure for {}: {err:#}", src.id);
                continue;
            }
        };
        let file = format!("figures/explain_{}.png", sanitize(class));
        let predicted = &model.meta.classes[e.class_idx];
        e.draw(
            &model,
            &src.ecg,
            format!("{} (true {class}, predicted {predicted})", src.id),
            &out.join(&file),
        )?;
        files.push((class.clone(), file));
    }
    Ok(files)
}

/// A class name as a file name part (`~` → `noisy`, other odd characters → `_`).
fn sanitize(name: &str) -> String {
    if name == "~" {
        return "noisy".into();
    }
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn create_figures(out: &Path) -> anyhow::Result<()> {
    let dir = out.join("figures");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))
}

fn skipped_section(r: &mut Report, skipped: &[(String, String)]) {
    if skipped.is_empty() {
        r.paragraph("Every record was read.");
        return;
    }
    r.paragraph(format!(
        "{} record(s) could not be read and were left out:",
        skipped.len()
    ));
    let rows: Vec<Vec<String>> = skipped
        .iter()
        .map(|(id, why)| vec![id.clone(), why.clone()])
        .collect();
    r.table(&["record", "reason"], &rows);
}

fn folds_text(f: &exg_train::cv::Folds) -> String {
    match f {
        exg_train::cv::Folds::Stratified { k, seed } => {
            format!("stratified {k}-fold (seed {seed})")
        }
        exg_train::cv::Folds::Sklearn { k, seed } => {
            format!("scikit-learn KFold({k}, shuffle, random_state {seed})")
        }
    }
}

/// One line on the network: blocks, widths, rate, window, parameters.
fn network_text(cfg: &StudyConfig) -> String {
    let m = &cfg.model;
    let widths: Vec<String> = m.blocks.iter().map(|b| b.width.to_string()).collect();
    let kind = match m.blocks.first().map(|b| b.kind) {
        Some(exg_model::BlockKind::Plain) => "plain-convolution",
        _ => "multiresolution",
    };
    let params = m.cost().map_or(0, |c| c.params);
    format!(
        "{} {kind} blocks (widths {}, kernel {}), {} Hz, {}-sample windows every {} s, {params} parameters",
        m.blocks.len(),
        widths.join("/"),
        m.blocks.first().map_or(0, |b| b.kernel),
        m.sample_rate_hz,
        m.input_len,
        cfg.hop_s
    )
}

/// The report of `exg cv`.
pub fn cv_report(
    out: &Path,
    data: &StudyData,
    cfg: &StudyConfig,
    result: &CvResult,
) -> anyhow::Result<()> {
    create_figures(out)?;
    for f in &result.folds {
        write_epochs_csv(&out.join(format!("fold-{}/epochs.csv", f.fold)), &f.history)?;
    }
    let mut curves = LearningCurves::new(format!("{}: learning curves", data.name));
    for f in &result.folds {
        curves = curves.with_run(
            format!("fold {}", f.fold),
            &f.history,
            Some(f.selected_epoch),
        );
    }
    curves.render(&out.join("figures/learning_curves.png"))?;
    let k = result.classes.len();
    let mut pooled = vec![vec![0u64; k]; k];
    for f in &result.folds {
        for (row, frow) in pooled.iter_mut().zip(&f.evaluation.confusion) {
            for (v, x) in row.iter_mut().zip(frow) {
                *v += x;
            }
        }
    }
    ConfusionFigure::new(
        format!("{}: confusion over all test folds", data.name),
        &result.classes,
        &pooled,
    )
    .render(&out.join("figures/confusion.png"))?;
    let last = result.folds.last().context("no folds")?;
    let ids: Vec<&str> = last.predictions.iter().map(|p| p.id.as_str()).collect();
    let figures = explanations(
        out,
        &out.join(format!("fold-{}/model.safetensors", last.fold)),
        data,
        &ids,
    )?;

    let mut r = Report::new(format!("Cross-validation on {}", data.name));
    r.paragraph(format!(
        "{} records, {} classes ({}), {}. Network: {}; objective CE + {} × CE(features) + {} × (1 − NCC), \
         {} epochs. Configuration: `config.json`; per-record predictions: `predictions.csv`; \
         per-fold results and models: `fold-<i>/`.",
        data.records.len(),
        k,
        result.classes.join(", "),
        folds_text(&cfg.folds),
        network_text(cfg),
        cfg.train.lambda_features,
        cfg.train.lambda_xai,
        cfg.train.epochs,
    ));
    let evals: Vec<exg_train::cv::Evaluation> =
        result.folds.iter().map(|f| f.evaluation.clone()).collect();
    let (h, rows) = summary_table(&evals, &result.summary);
    r.heading("Per fold and mean ± sd");
    r.table(&h, &rows);
    let f = |m: &Option<exg_train::metrics::MeanSd>| {
        m.as_ref().map_or("–".to_string(), |m| {
            format!("{:.3} ± {:.3}", m.mean, m.sd)
        })
    };
    r.paragraph(format!(
        "Grad-CAM of the true class against the attention target on the test windows: NCC {}, pointing game {}.",
        f(&result.cam_target_ncc),
        f(&result.pointing_game)
    ));
    let pooled_preds: Vec<exg_train::study::RecordPrediction> = result
        .folds
        .iter()
        .flat_map(|f| f.predictions.iter().cloned())
        .collect();
    let (head, rows) = length_table(&pooled_preds, &result.classes, &result.score_classes)?;
    r.heading("By record length (all test folds pooled)");
    r.table(&head, &rows);
    r.heading("Learning curves and confusion");
    r.image("figures/learning_curves.png", "learning curves per fold");
    r.image(
        "figures/confusion.png",
        "confusion matrix over all test folds",
    );
    finish(
        r,
        "Explanations (last fold's model, one test record per class)",
        &figures,
        &result.skipped,
        out,
    )
}

/// Accuracy, macro-F1 and the subset F1 of `score_classes` (if any) of `preds` by record
/// length (< 20 s, 20–40 s, ≥ 40 s): the headers and rows of a report table.
pub fn length_table(
    preds: &[exg_train::study::RecordPrediction],
    classes: &[String],
    score_classes: &[String],
) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let subset: Option<Vec<usize>> = (!score_classes.is_empty()).then(|| {
        score_classes
            .iter()
            .filter_map(|s| classes.iter().position(|c| c == s))
            .collect()
    });
    let bins =
        exg_train::study::evaluation_by_length(preds, classes, subset.as_deref(), &[20.0, 40.0])?;
    let mut head = vec![
        "length".to_string(),
        "records".into(),
        "accuracy".into(),
        "macro-F1".into(),
    ];
    if subset.is_some() {
        head.push(format!("F1({})", score_classes.join(",")));
    }
    let rows = bins
        .iter()
        .map(|(label, e)| {
            let mut row = vec![
                label.clone(),
                e.records.to_string(),
                format!("{:.3}", e.accuracy),
                format!("{:.3}", e.macro_f1),
            ];
            if subset.is_some() {
                row.push(e.subset_f1.map_or("–".into(), |f| format!("{f:.3}")));
            }
            row
        })
        .collect();
    Ok((head, rows))
}

/// The report of `exg train`.
pub fn train_report(
    out: &Path,
    data: &StudyData,
    cfg: &StudyConfig,
    result: &TrainResult,
) -> anyhow::Result<()> {
    create_figures(out)?;
    write_epochs_csv(&out.join("epochs.csv"), &result.history)?;
    LearningCurves::new(format!("{}: learning curves", data.name))
        .with_run("training", &result.history, Some(result.selected_epoch))
        .render(&out.join("figures/learning_curves.png"))?;
    let mut r = Report::new(format!("Training on {}", data.name));
    r.paragraph(format!(
        "{} records, classes {}; {} epochs, selected epoch {}; deployable model `model.safetensors` \
         ({}). Configuration: `config.json`.",
        data.records.len(),
        result.classes.join(", "),
        result.history.len(),
        result.selected_epoch,
        network_text(cfg),
    ));
    r.image("figures/learning_curves.png", "learning curves");
    if let Some(v) = &result.validation {
        ConfusionFigure::of_evaluation(format!("{}: validation records", data.name), v)
            .render(&out.join("figures/confusion.png"))?;
        r.heading("Validation split (model selection)");
        let (h, rows) = evaluation_table(v);
        r.table(&h, &rows);
        r.image(
            "figures/confusion.png",
            "confusion on the validation records",
        );
    }
    let ids: Vec<&str> = data.records.iter().map(|s| s.id.as_str()).collect();
    let figures = explanations(out, &out.join("model.safetensors"), data, &ids)?;
    finish(
        r,
        "Explanations (one record per class)",
        &figures,
        &result.skipped,
        out,
    )
}

/// The explanation figures and the unreadable records, then `report.md` is written.
fn finish(
    mut r: Report,
    heading: &str,
    figures: &[(String, String)],
    skipped: &[(String, String)],
    out: &Path,
) -> anyhow::Result<()> {
    r.heading(heading);
    for (class, file) in figures {
        r.image(file, format!("explanation of a {class} record"));
    }
    r.heading("Unreadable records");
    skipped_section(&mut r, skipped);
    r.write(&out.join("report.md"))?;
    Ok(())
}
