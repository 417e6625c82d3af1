//! Late fusion of a trained network with a feature classifier kept at deployment, evaluated
//! without touching any test fold (`docs/training.md` §"Feature fusion").
//!
//! EXGnet's feature branch is train-only: the deployed network never sees the quantitative
//! features. This module measures and builds the alternative, a gradient-boosted tree
//! classifier ([`BoostedTrees`]) on the record's features whose probabilities are averaged
//! with the network's, `(1 − w) p_net + w p_trees`:
//!
//! * [`cross_validate_fusion`]: on the network's cross-validated record predictions (every
//!   record predicted by the fold model that did not train on it), for each test fold the trees
//!   are fitted on the other folds' records, and `w` is the grid value that scores best on the
//!   *other* folds (mean of their per-fold scores), with trees from an inner cross-validation
//!   over those folds, so that neither the trees nor the weight saw the test fold. (The
//!   network's predictions on the other folds come from `exg cv`'s fold models, which did train
//!   on the test fold: the usual stacking approximation, on the network side only.)
//! * [`fit_fusion`]: the deployable [`FeatureFusion`]: trees on every record, `w` chosen on all
//!   folds' out-of-fold predictions.
//!
//! The score is the subset F1 when classes are named (CinC 2017: F1(N,A,O)), otherwise macro-F1.

use exg_features::{Extract, FeatureVector};
use exg_model::trees::{BoostConfig, BoostedTrees, FeatureFusion};
use exg_signal::Ecg;
use exg_signal::rpeaks::{PanTompkins, RPeakDetector};
use serde::{Deserialize, Serialize};

use crate::cv::{Evaluation, Summary};
use crate::metrics::MeanSd;
use crate::{Error, Result};

/// Settings of [`cross_validate_fusion`] and [`fit_fusion`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FusionConfig {
    /// The feature classifier's hyper-parameters.
    pub trees: BoostConfig,
    /// Candidate weights of the trees' probabilities. Default 0, 0.1, …, 0.8.
    pub weights: Vec<f64>,
}

impl Default for FusionConfig {
    fn default() -> Self {
        Self {
            trees: BoostConfig::default(),
            weights: (0..=8).map(|k| f64::from(k) / 10.0).collect(),
        }
    }
}

/// The data fusion works on: one row per record.
#[derive(Clone, Copy, Debug)]
pub struct FusionData<'a> {
    /// Feature values per record (NaN = invalid or missing).
    pub features: &'a [Vec<f32>],
    /// True class per record.
    pub labels: &'a [usize],
    /// Cross-validation fold of each record (any integers; one test fold per distinct value).
    pub folds: &'a [usize],
    /// The network's out-of-fold class probabilities per record.
    pub net: &'a [Vec<f32>],
    /// Class names, in probability order.
    pub classes: &'a [String],
    /// Classes of the subset F1 (e.g. N, A, O), empty for macro-F1.
    pub subset: &'a [usize],
}

impl FusionData<'_> {
    fn check(&self) -> Result<()> {
        let n = self.labels.len();
        if n == 0
            || self.features.len() != n
            || self.folds.len() != n
            || self.net.len() != n
            || self.net.iter().any(|p| p.len() != self.classes.len())
        {
            return Err(Error::Input(format!(
                "fusion: {} feature rows, {} labels, {} folds and {} network rows for {} classes \
                 must agree",
                self.features.len(),
                n,
                self.folds.len(),
                self.net.len(),
                self.classes.len()
            )));
        }
        Ok(())
    }

    fn fold_ids(&self) -> Vec<usize> {
        let mut ids = self.folds.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn evaluate(&self, idx: &[usize], probs: &[Vec<f32>]) -> Result<Evaluation> {
        let labels: Vec<usize> = idx.iter().map(|&i| self.labels[i]).collect();
        let p: Vec<Vec<f32>> = idx.iter().map(|&i| probs[i].clone()).collect();
        let subset = (!self.subset.is_empty()).then_some(self.subset);
        Evaluation::from_probabilities(&labels, &p, self.classes, subset)
    }

    fn score(&self, idx: &[usize], probs: &[Vec<f32>]) -> Result<f64> {
        let e = self.evaluate(idx, probs)?;
        Ok(e.subset_f1.unwrap_or(e.macro_f1))
    }
}

/// One test fold of [`cross_validate_fusion`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FusionFold {
    /// The fold id.
    pub fold: usize,
    /// Trees' weight chosen on the other folds.
    pub weight: f64,
    /// The network alone.
    pub net: Evaluation,
    /// The trees alone.
    pub trees: Evaluation,
    /// The fusion.
    pub fused: Evaluation,
}

/// Result of [`cross_validate_fusion`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FusionCv {
    /// Per test fold.
    pub folds: Vec<FusionFold>,
    /// The network alone, over folds.
    pub net: Summary,
    /// The trees alone, over folds.
    pub trees: Summary,
    /// The fusion, over folds.
    pub fused: Summary,
    /// Paired per-fold gain of the fusion over the network in the score (subset F1 or
    /// macro-F1).
    pub gain: MeanSd,
    /// The trees' out-of-fold probabilities per record (input order).
    #[serde(skip)]
    pub trees_oof: Vec<Vec<f32>>,
    /// The fused out-of-fold probabilities per record (input order).
    #[serde(skip)]
    pub fused_oof: Vec<Vec<f32>>,
}

/// `(1 − w) a + w b`, row by row.
pub fn blend(a: &[Vec<f32>], b: &[Vec<f32>], w: f64) -> Vec<Vec<f32>> {
    let w = w as f32;
    a.iter()
        .zip(b)
        .map(|(p, q)| {
            p.iter()
                .zip(q)
                .map(|(x, y)| (1.0 - w) * x + w * y)
                .collect()
        })
        .collect()
}

/// The weight in `cfg.weights` whose blend scores best, averaged over the folds `on` (first on
/// ties, so the smallest weight wins).
fn choose_weight(
    d: &FusionData<'_>,
    trees: &[Vec<f32>],
    on: &[usize],
    weights: &[f64],
) -> Result<f64> {
    let mut best = (f64::NEG_INFINITY, 0.0);
    for &w in weights {
        let fused = blend(d.net, trees, w);
        let mut total = 0.0;
        for &f in on {
            let idx: Vec<usize> = (0..d.labels.len()).filter(|&i| d.folds[i] == f).collect();
            total += d.score(&idx, &fused)?;
        }
        let s = total / on.len() as f64;
        if s > best.0 {
            best = (s, w);
        }
    }
    Ok(best.1)
}

fn check_weights(weights: &[f64]) -> Result<()> {
    if weights.is_empty() || weights.iter().any(|w| !(0.0..=1.0).contains(w)) {
        return Err(Error::Input(
            "fusion: weights must be a non-empty list in [0, 1]".into(),
        ));
    }
    Ok(())
}

/// Nested evaluation of the fusion (see the [module docs](self)). Needs at least 3 folds (the
/// weight of a test fold is chosen on at least two others).
///
/// # Errors
/// [`Error::Input`] for inconsistent lengths, fewer than 3 folds or bad weights; the trees'
/// errors (e.g. a training part with one class).
pub fn cross_validate_fusion(d: &FusionData<'_>, cfg: &FusionConfig) -> Result<FusionCv> {
    d.check()?;
    check_weights(&cfg.weights)?;
    let ids = d.fold_ids();
    if ids.len() < 3 {
        return Err(Error::Input(format!(
            "fusion: {} folds, at least 3 needed",
            ids.len()
        )));
    }
    let n = d.labels.len();
    let k = d.classes.len();
    // Trees fitted without the folds `held_out`, predicting the records of `predict`.
    let fit_predict = |held_out: &[usize], predict: usize, out: &mut [Vec<f32>]| -> Result<()> {
        let train: Vec<usize> = (0..n)
            .filter(|&i| !held_out.contains(&d.folds[i]))
            .collect();
        let x: Vec<Vec<f32>> = train.iter().map(|&i| d.features[i].clone()).collect();
        let y: Vec<usize> = train.iter().map(|&i| d.labels[i]).collect();
        let model = BoostedTrees::fit(&x, &y, k, &cfg.trees).map_err(model_err)?;
        for i in (0..n).filter(|&i| d.folds[i] == predict) {
            out[i] = model.predict_proba(&d.features[i]).map_err(model_err)?;
        }
        Ok(())
    };
    let mut trees_oof = vec![Vec::new(); n];
    for &f in &ids {
        fit_predict(&[f], f, &mut trees_oof)?;
    }
    let mut folds = Vec::with_capacity(ids.len());
    let mut fused_oof = vec![Vec::new(); n];
    for &f in &ids {
        let others: Vec<usize> = ids.iter().copied().filter(|&g| g != f).collect();
        // The weight is chosen on the other folds with trees that never saw the test fold
        // either: an inner cross-validation over the other folds.
        let mut inner = vec![vec![0.0; k]; n];
        for &g in &others {
            fit_predict(&[f, g], g, &mut inner)?;
        }
        let weight = choose_weight(d, &inner, &others, &cfg.weights)?;
        let test: Vec<usize> = (0..n).filter(|&i| d.folds[i] == f).collect();
        let fused = blend(d.net, &trees_oof, weight);
        for &i in &test {
            fused_oof[i] = fused[i].clone();
        }
        folds.push(FusionFold {
            fold: f,
            weight,
            net: d.evaluate(&test, d.net)?,
            trees: d.evaluate(&test, &trees_oof)?,
            fused: d.evaluate(&test, &fused)?,
        });
    }
    let summary = |part: fn(&FusionFold) -> &Evaluation| {
        Summary::of(&folds.iter().map(|f| part(f).clone()).collect::<Vec<_>>())
    };
    let score = |e: &Evaluation| e.subset_f1.unwrap_or(e.macro_f1);
    let gains: Vec<f64> = folds
        .iter()
        .map(|f| score(&f.fused) - score(&f.net))
        .collect();
    Ok(FusionCv {
        net: summary(|f| &f.net)?,
        trees: summary(|f| &f.trees)?,
        fused: summary(|f| &f.fused)?,
        gain: MeanSd::of(&gains).ok_or_else(|| Error::Input("fusion: no folds".into()))?,
        folds,
        trees_oof,
        fused_oof,
    })
}

/// The deployable fusion: trees fitted on every record of `d`, the weight chosen on all folds
/// from the network's and `trees_oof` (the trees' out-of-fold probabilities,
/// [`FusionCv::trees_oof`]).
///
/// # Errors
/// As [`cross_validate_fusion`]; [`Error::Input`] when `feature_names` does not match the rows.
pub fn fit_fusion(
    d: &FusionData<'_>,
    trees_oof: &[Vec<f32>],
    feature_names: &[String],
    cfg: &FusionConfig,
) -> Result<FeatureFusion> {
    d.check()?;
    check_weights(&cfg.weights)?;
    if d.features.iter().any(|r| r.len() != feature_names.len())
        || trees_oof.len() != d.labels.len()
    {
        return Err(Error::Input(format!(
            "fusion: {} feature names, rows or out-of-fold predictions disagree",
            feature_names.len()
        )));
    }
    let weight = choose_weight(d, trees_oof, &d.fold_ids(), &cfg.weights)?;
    let trees =
        BoostedTrees::fit(d.features, d.labels, d.classes.len(), &cfg.trees).map_err(model_err)?;
    Ok(FeatureFusion {
        features: feature_names.to_vec(),
        trees,
        weight,
    })
}

/// The features a fused model computes from a record: every feature `exg hrv` reports
/// ([`exg_features::full_set`]) on the record's Pan-Tompkins R-peaks (the default detector),
/// at the record's own sampling rate.
///
/// # Errors
/// [`Error::Input`] when detection or extraction fails (an invalid feature is not an error:
/// it is flagged in the vector).
pub fn record_features(ecg: &Ecg) -> Result<FeatureVector> {
    let fail = |e: String| Error::Input(format!("features: {e}"));
    let peaks = PanTompkins::default()
        .detect(ecg)
        .map_err(|e| fail(e.to_string()))?
        .peaks;
    exg_features::full_set()
        .and_then(|set| set.extract(ecg, &peaks))
        .map_err(|e| fail(e.to_string()))
}

/// The values of `names` in `v`, NaN where a feature is invalid or absent (what the trees
/// take as missing).
pub fn feature_values(v: &FeatureVector, names: &[String]) -> Vec<f32> {
    names
        .iter()
        .map(|n| v.value(n).map_or(f32::NAN, |x| x as f32))
        .collect()
}

/// The fused class probabilities of `ecg` given the network's `net` (`fusion` from the model
/// file's [`exg_model::ModelMeta::fusion`]).
///
/// # Errors
/// As [`record_features`] and [`FeatureFusion::fuse`].
pub fn fused_probabilities(fusion: &FeatureFusion, ecg: &Ecg, net: &[f32]) -> Result<Vec<f32>> {
    let v = record_features(ecg)?;
    fusion
        .fuse(net, &feature_values(&v, &fusion.features))
        .map_err(model_err)
}

/// One row of a predictions CSV ([`crate::study::predictions_csv`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionRow {
    /// Fold (0 for a plain evaluation).
    pub fold: usize,
    /// Record id.
    pub id: String,
    /// True class name.
    pub label: String,
    /// Class probabilities, in `classes` order.
    pub probabilities: Vec<f32>,
}

/// Parses a predictions CSV written by [`crate::study::predictions_csv`] (`exg cv`'s
/// `predictions.csv`), taking the probability columns `p_<class>` of `classes` in that order.
///
/// # Errors
/// [`Error::Input`] naming the line of a malformed row or a missing column.
pub fn parse_predictions_csv(text: &str, classes: &[String]) -> Result<Vec<PredictionRow>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| Error::Input(format!("predictions CSV: no `{name}` column")))
    };
    let (fold, id, label) = (col("fold")?, col("id")?, col("label")?);
    let probs: Vec<usize> = classes
        .iter()
        .map(|c| col(&format!("p_{c}")))
        .collect::<Result<_>>()?;
    lines
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            let bad = || Error::Input(format!("predictions CSV line {}: `{line}`", i + 2));
            let get = |c: usize| f.get(c).copied().ok_or_else(bad);
            Ok(PredictionRow {
                fold: get(fold)?.parse().map_err(|_| bad())?,
                id: get(id)?.to_owned(),
                label: get(label)?.to_owned(),
                probabilities: probs
                    .iter()
                    .map(|&c| get(c)?.parse::<f32>().map_err(|_| bad()))
                    .collect::<Result<_>>()?,
            })
        })
        .collect()
}

/// The mean of several networks' predictions of the same records (an ensemble of networks),
/// in the first run's row order.
///
/// # Errors
/// [`Error::Input`] when the runs do not predict the same records with the same folds, labels
/// and number of classes.
pub fn average_predictions(runs: &[Vec<PredictionRow>]) -> Result<Vec<PredictionRow>> {
    let Some((first, rest)) = runs.split_first() else {
        return Err(Error::Input("no predictions to average".into()));
    };
    let mut out = first.clone();
    for (k, run) in rest.iter().enumerate() {
        let by_id: std::collections::HashMap<&str, &PredictionRow> =
            run.iter().map(|r| (r.id.as_str(), r)).collect();
        if run.len() != first.len() || by_id.len() != run.len() {
            return Err(Error::Input(format!(
                "predictions {}: {} rows, the first has {}",
                k + 2,
                run.len(),
                first.len()
            )));
        }
        for row in &mut out {
            let other = by_id
                .get(row.id.as_str())
                .filter(|o| {
                    o.fold == row.fold
                        && o.label == row.label
                        && o.probabilities.len() == row.probabilities.len()
                })
                .ok_or_else(|| {
                    Error::Input(format!(
                        "predictions {}: record {} is missing or has another fold or label",
                        k + 2,
                        row.id
                    ))
                })?;
            for (p, q) in row.probabilities.iter_mut().zip(&other.probabilities) {
                *p += q;
            }
        }
    }
    let n = runs.len() as f32;
    for row in &mut out {
        for p in &mut row.probabilities {
            *p /= n;
        }
    }
    Ok(out)
}

fn model_err(e: exg_model::Error) -> Error {
    Error::Input(format!("feature classifier: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three classes; the network is right on class 0 and 1 only, the single feature separates
    /// class 2: the fusion must beat the network, the weight must be positive.
    #[test]
    fn fusion_adds_what_the_network_misses() {
        let n = 300;
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let folds: Vec<usize> = (0..n).map(|i| (i / 3) % 5).collect();
        let features: Vec<Vec<f32>> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| vec![if l == 2 { 10.0 } else { 0.0 } + (i % 7) as f32])
            .collect();
        let net: Vec<Vec<f32>> = labels
            .iter()
            .map(|&l| match l {
                0 => vec![0.8, 0.1, 0.1],
                1 => vec![0.1, 0.8, 0.1],
                _ => vec![0.45, 0.45, 0.1],
            })
            .collect();
        let classes: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let d = FusionData {
            features: &features,
            labels: &labels,
            folds: &folds,
            net: &net,
            classes: &classes,
            subset: &[],
        };
        let cv = cross_validate_fusion(&d, &FusionConfig::default()).unwrap();
        assert!(cv.net.macro_f1.mean < 0.7, "{:?}", cv.net.macro_f1);
        assert!(cv.fused.macro_f1.mean > 0.99, "{:?}", cv.fused.macro_f1);
        assert!(cv.folds.iter().all(|f| f.weight > 0.0));
        let names = vec!["x".to_string()];
        let fusion = fit_fusion(&d, &cv.trees_oof, &names, &FusionConfig::default()).unwrap();
        fusion.validate(3).unwrap();
        let p = fusion.fuse(&[0.45, 0.45, 0.1], &[12.0]).unwrap();
        assert_eq!(crate::trainer::argmax(&p), 2);
        let csv = crate::study::predictions_csv(
            &classes,
            &[(
                3,
                &[crate::study::RecordPrediction {
                    id: "r1".into(),
                    label: 2,
                    predicted: 0,
                    probabilities: vec![0.5, 0.25, 0.25],
                    seconds: 30.0,
                }],
            )],
        );
        let rows = parse_predictions_csv(&csv, &classes).unwrap();
        assert_eq!((rows[0].fold, rows[0].label.as_str()), (3, "c"));
        assert_eq!(rows[0].probabilities, vec![0.5, 0.25, 0.25]);
        assert!(parse_predictions_csv("fold,id,label,p_a\n1,x,a,0.5", &classes).is_err());
        assert!(parse_predictions_csv(&csv.replace("0.25", "zz"), &classes).is_err());
        let mut other = rows.clone();
        other[0].probabilities = vec![0.0, 0.75, 0.25];
        let mean = average_predictions(&[rows.clone(), other.clone()]).unwrap();
        assert_eq!(mean[0].probabilities, vec![0.25, 0.5, 0.25]);
        other[0].fold = 1;
        assert!(average_predictions(&[rows.clone(), other]).is_err());
        assert!(average_predictions(&[]).is_err());
        // Two folds cannot choose a weight on other folds.
        let two: Vec<usize> = folds.iter().map(|f| f % 2).collect();
        assert!(
            cross_validate_fusion(&FusionData { folds: &two, ..d }, &FusionConfig::default())
                .is_err()
        );
    }
}
