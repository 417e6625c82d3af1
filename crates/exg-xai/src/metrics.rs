//! Interpretability metrics: how well a map agrees with an attention target, whether it is
//! faithful to the model, and whether it depends on the model at all.
//!
//! * Agreement with a target: [`cam_target_ncc`], [`pointing_game`], [`relevance_mass`].
//!   The target's *support* is where it exceeds a threshold (`0.0` for binary masks; e.g.
//!   `0.5` for soft targets).
//! * Faithfulness: [`perturbation_curves`] (deletion and insertion, Petsiuk et al. 2018, in
//!   1-D) and their areas ([`auc`]). Low deletion AUC and high insertion AUC are good.
//! * Sanity: [`randomisation_check`] (Adebayo et al. 2018): the similarity between a model's
//!   maps and those of the same architecture with a re-initialised trunk; a map that explains
//!   the model changes, so a high similarity is a warning.
//!
//! Per-record results are `Option`s where a record may have no target (`None`); maps and
//! targets must have the same length (use [`crate::resample()`] first).

use candle::Tensor;
use exg_model::Classifier;

use crate::saliency::{Resolution, Saliency, TargetClass};
use crate::{Error, Result, check};

/// NCC between each map and its target ([`crate::ncc()`], same conventions: a flat map gives
/// 0); `None` for records without a target.
///
/// # Shapes
/// `maps (B, T)`, `targets (B, T)`, `has_target [B]`.
///
/// # Errors
/// As [`crate::ncc_loss`].
pub fn cam_target_ncc(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    eps: f64,
) -> Result<Vec<Option<f64>>> {
    crate::ncc::ncc_per_record(maps, targets, has_target, eps)
}

/// Pointing game: does the map's maximum (the first one, on ties) lie inside the target's
/// support (`target > threshold`)? A flat map points nowhere and misses. `None` for records
/// without a target.
///
/// # Shapes
/// `maps (B, T)`, `targets (B, T)`, `has_target [B]`.
///
/// # Errors
/// [`Error::Input`] for shapes that are not `(B, T)` or differ, or a bad mask.
///
/// # Examples
/// ```
/// # fn main() -> exg_xai::Result<()> {
/// use candle::{Device, Tensor};
/// let maps = Tensor::new(&[[0f32, 0.2, 0.9, 0.1], [0.9, 0.2, 0.0, 0.1]], &Device::Cpu)?;
/// let target = Tensor::new(&[[0f32, 1., 1., 0.], [0., 1., 1., 0.]], &Device::Cpu)?;
/// let hits = exg_xai::metrics::pointing_game(&maps, &target, None, 0.0)?;
/// assert_eq!(hits, vec![Some(true), Some(false)]);
/// # Ok(()) }
/// ```
pub fn pointing_game(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    threshold: f64,
) -> Result<Vec<Option<bool>>> {
    per_record(maps, targets, has_target, |m, g| {
        let (mut best, mut lo) = (0, m[0]);
        for (i, &v) in m.iter().enumerate() {
            if v > m[best] {
                best = i;
            }
            lo = lo.min(v);
        }
        m[best] > lo && g[best] > threshold
    })
}

/// Relevance mass: the share of the map's positive relevance that lies inside the target's
/// support (`target > threshold`), `Σ_{t∈S} max(m_t, 0) / Σ_t max(m_t, 0)`, in `[0, 1]`; 0 for a
/// map with no positive relevance. `None` for records without a target.
///
/// # Shapes
/// `maps (B, T)`, `targets (B, T)`, `has_target [B]`.
///
/// # Errors
/// [`Error::Input`] for shapes that are not `(B, T)` or differ, or a bad mask.
pub fn relevance_mass(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    threshold: f64,
) -> Result<Vec<Option<f64>>> {
    per_record(maps, targets, has_target, |m, g| {
        let (inside, total) = m.iter().zip(g).fold((0.0, 0.0), |(i, t), (&v, &gv)| {
            let v = v.max(0.0);
            (if gv > threshold { i + v } else { i }, t + v)
        });
        if total > 0.0 { inside / total } else { 0.0 }
    })
}

/// Runs `f(map_row, target_row)` on every record that has a target.
fn per_record<R>(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    f: impl Fn(&[f64], &[f64]) -> R,
) -> Result<Vec<Option<R>>> {
    let (b, _) = check::same_maps(maps, targets)?;
    let mask = check::mask(has_target, b)?;
    let (m, g) = (check::rows(maps)?, check::rows(targets)?);
    Ok(mask
        .iter()
        .zip(m.iter().zip(&g))
        .map(|(&keep, (m, g))| keep.then(|| f(m, g)))
        .collect())
}

/// What replaces a removed sample in [`perturbation_curves`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Baseline {
    /// 0 mV (an isoelectric line for a baseline-corrected ECG).
    #[default]
    Zero,
    /// The record's own mean.
    Mean,
}

/// Deletion and insertion curves of a batch.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Curves {
    /// The fraction of samples perturbed at each step: `0, 1/steps, …, 1`.
    pub fractions: Vec<f64>,
    /// Per record, the probability of its class as the most salient samples are removed.
    pub deletion: Vec<Vec<f64>>,
    /// Per record, the probability of its class as the most salient samples are put back into
    /// the baseline.
    pub insertion: Vec<Vec<f64>>,
}

impl Curves {
    /// Area under each record's deletion curve (lower is better).
    pub fn deletion_auc(&self) -> Vec<f64> {
        self.deletion.iter().map(|c| auc(c)).collect()
    }

    /// Area under each record's insertion curve (higher is better).
    pub fn insertion_auc(&self) -> Vec<f64> {
        self.insertion.iter().map(|c| auc(c)).collect()
    }
}

/// Trapezoidal area under a curve sampled at evenly spaced points of `[0, 1]`; 0 for fewer
/// than two points.
///
/// # Examples
/// ```
/// assert_eq!(exg_xai::metrics::auc(&[1.0, 0.5, 0.5]), 0.625);
/// ```
pub fn auc(ys: &[f64]) -> f64 {
    if ys.len() < 2 {
        return 0.0;
    }
    let h = 1.0 / (ys.len() - 1) as f64;
    ys.windows(2).map(|w| 0.5 * (w[0] + w[1]) * h).sum()
}

/// Deletion and insertion curves (Petsiuk et al. 2018, in 1-D). Samples are ranked by
/// decreasing map value (ties: earlier sample first). At step `k` of `steps` the
/// `round(k·T/steps)` top samples are replaced by the [`Baseline`] (deletion), or are the only
/// ones taken from the record, the rest being baseline (insertion); the curve is the softmax
/// probability of the record's class, in inference mode. `2·B` records per model call.
///
/// # Shapes
/// `xs (B, 1, T)`, `maps (B, T)` (at the input length), `classes [B]`.
///
/// # Errors
/// [`Error::Input`] for shapes that do not fit, `steps == 0`, classes out of range; model
/// errors.
pub fn perturbation_curves(
    model: &dyn Classifier,
    xs: &Tensor,
    maps: &Tensor,
    classes: &[usize],
    steps: usize,
    baseline: Baseline,
) -> Result<Curves> {
    let (b, t) = check::model_input(model, xs)?;
    let (bm, tm) = check::batch_of_maps(maps, "maps")?;
    if (bm, tm) != (b, t) {
        return Err(Error::Input(format!(
            "maps ({bm}, {tm}) do not fit input ({b}, 1, {t}): resample the maps to the input length"
        )));
    }
    if steps == 0 {
        return Err(Error::Input(
            "perturbation curves: steps must be >= 1".into(),
        ));
    }
    let x = check::rows(&xs.squeeze(1)?)?;
    let orders: Vec<Vec<usize>> = check::rows(maps)?
        .iter()
        .map(|m| {
            let mut idx: Vec<usize> = (0..t).collect();
            idx.sort_by(|&i, &j| m[j].total_cmp(&m[i]));
            idx
        })
        .collect();
    let base: Vec<f64> = x
        .iter()
        .map(|r| match baseline {
            Baseline::Zero => 0.0,
            Baseline::Mean => r.iter().sum::<f64>() / t as f64,
        })
        .collect();
    let mut fractions = Vec::with_capacity(steps + 1);
    let mut deletion = vec![Vec::with_capacity(steps + 1); b];
    let mut insertion = vec![Vec::with_capacity(steps + 1); b];
    for k in 0..=steps {
        let n = ((k * t) as f64 / steps as f64).round() as usize;
        fractions.push(k as f64 / steps as f64);
        let mut batch = Vec::with_capacity(2 * b * t);
        for (r, xr) in x.iter().enumerate() {
            let mut del = xr.clone();
            let mut ins = vec![base[r]; t];
            for &i in &orders[r][..n] {
                del[i] = base[r];
                ins[i] = xr[i];
            }
            batch.extend(del);
            batch.extend(ins);
        }
        let input = Tensor::from_vec(batch, (2 * b, 1, t), xs.device())?.to_dtype(xs.dtype())?;
        let logits = check::rows(&model.forward_t(&input, false)?)?;
        for r in 0..b {
            deletion[r].push(class_probability(&logits[2 * r], classes[r])?);
            insertion[r].push(class_probability(&logits[2 * r + 1], classes[r])?);
        }
    }
    Ok(Curves {
        fractions,
        deletion,
        insertion,
    })
}

/// Softmax probability of class `c` from one row of logits, computed stably.
fn class_probability(logits: &[f64], c: usize) -> Result<f64> {
    let lc = *logits.get(c).ok_or_else(|| {
        Error::Input(format!(
            "class {c} out of range for {} classes",
            logits.len()
        ))
    })?;
    Ok(1.0 / logits.iter().map(|&l| (l - lc).exp()).sum::<f64>())
}

/// Spearman's rank correlation of two equally long sequences (average ranks for ties); 0 when
/// either is constant (the NCC convention for flat maps).
///
/// # Errors
/// [`Error::Input`] for sequences of different or zero length.
///
/// # Examples
/// ```
/// # fn main() -> exg_xai::Result<()> {
/// use exg_xai::metrics::rank_correlation;
/// assert_eq!(rank_correlation(&[1., 2., 3.], &[10., 20., 90.])?, 1.0);
/// assert_eq!(rank_correlation(&[1., 2., 3.], &[3., 2., 1.])?, -1.0);
/// # Ok(()) }
/// ```
pub fn rank_correlation(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() || a.is_empty() {
        return Err(Error::Input(format!(
            "rank correlation of sequences of length {} and {}",
            a.len(),
            b.len()
        )));
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        let (x, y) = (x - mean, y - mean);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    Ok(if saa > 0.0 && sbb > 0.0 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    })
}

/// 1-based ranks, ties sharing their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut r = vec![0.0; v.len()];
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && v[idx[e]] == v[idx[s]] {
            e += 1;
        }
        let avg = (s + e + 1) as f64 / 2.0;
        for &i in &idx[s..e] {
            r[i] = avg;
        }
        s = e;
    }
    r
}

/// Per-record similarity between the maps of a model and of its randomised twin.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RandomisationCheck {
    /// The classes explained (resolved on the original model, reused for the twin).
    pub classes: Vec<usize>,
    /// Spearman rank correlation of the two maps, per record.
    pub spearman: Vec<f64>,
    /// NCC of the two maps, per record.
    pub ncc: Vec<f64>,
}

/// Parameter-randomisation sanity check (Adebayo et al. 2018): explains `xs` with `method` on
/// `model` and on `randomised` (the same architecture with its trunk re-initialised, built by
/// the caller) for the same classes, and compares the maps at the method's native length.
/// Similarities near 1 mean the map does not depend on what the trunk learned.
///
/// # Shapes
/// `xs (B, 1, T)`.
///
/// # Errors
/// As [`Saliency::explain`].
pub fn randomisation_check(
    method: &dyn Saliency,
    model: &dyn Classifier,
    randomised: &dyn Classifier,
    xs: &Tensor,
    class: TargetClass<'_>,
) -> Result<RandomisationCheck> {
    let a = method.explain(model, xs, class, Resolution::Native)?;
    let b = method.explain(
        randomised,
        xs,
        TargetClass::Labels(&a.classes),
        Resolution::Native,
    )?;
    let ncc = crate::ncc::ncc_per_record(&a.maps, &b.maps, None, crate::ncc::DEFAULT_EPS)?
        .into_iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let spearman = check::rows(&a.maps)?
        .iter()
        .zip(check::rows(&b.maps)?)
        .map(|(x, y)| rank_correlation(x, &y))
        .collect::<Result<_>>()?;
    Ok(RandomisationCheck {
        classes: a.classes,
        spearman,
        ncc,
    })
}
