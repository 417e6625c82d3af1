//! The LUDB check of the attention target, shared by `tests/ludb_targets.rs` and
//! `examples/ludb_targets.rs` (included with `#[path]`).
//!
//! For each of the 200 records, lead ii: a map — the default [`HrvTarget`] without class hint
//! (R-peaks from `default_detector()`), or any other, e.g. a trained model's Grad-CAM — and its
//! [`agreement`] with the cardiologists' P/QRS/T delineation of the same lead (`data/<n>.ii`),
//! over the annotated span.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use exg_data::format::wfdb::{read_annotations, read_record};
use exg_signal::Ecg;
use exg_signal::rpeaks::default_detector;
use exg_xai::target::delineation::{AgreementConfig, WaveAgreement, agreement, waves_from_symbols};
use exg_xai::{AttentionTarget, HrvTarget, NoTarget};

/// One record's result.
pub struct RecordResult {
    /// Rhythm from the header (`Sinus rhythm`, ...).
    pub rhythm: String,
    /// The target's agreement, or why there is no target.
    pub target: Result<WaveAgreement, NoTarget>,
    /// Agreement of a uniform map (chance level: the share of the span covered by waves).
    pub uniform: WaveAgreement,
}

/// Evaluates the HRV attention target on every record listed in `dir/RECORDS`.
pub fn evaluate(dir: &Path) -> Result<Vec<RecordResult>, Box<dyn Error>> {
    let target = HrvTarget::default();
    evaluate_maps(dir, &|ecg| {
        Ok(target
            .target_detected(ecg, &default_detector(), None)?
            .into_result()
            .map(|m| m.values().to_vec()))
    })
}

/// A record's map, or why it has none (the outer error: the computation failed).
pub type MapResult = Result<Result<Vec<f32>, NoTarget>, Box<dyn Error>>;

/// Evaluates any map (one value per sample of lead ii, e.g. a trained model's Grad-CAM) on every
/// record listed in `dir/RECORDS`; `map_of` may say why a record has no map.
pub fn evaluate_maps(
    dir: &Path,
    map_of: &dyn Fn(&Ecg) -> MapResult,
) -> Result<Vec<RecordResult>, Box<dyn Error>> {
    let list = std::fs::read_to_string(dir.join("RECORDS"))?;
    let cfg = AgreementConfig::default();
    let mut out = Vec::new();
    for name in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = dir.join(name);
        let rec = read_record(&path)?;
        let rhythm = rec
            .metadata
            .fields
            .get("Rhythm")
            .map(|r| r.trim().trim_end_matches('.').to_owned())
            .unwrap_or_else(|| "unknown".into());
        let ecg = rec.lead("ii")?;
        let ann = read_annotations(&path, "ii")?;
        let waves = waves_from_symbols(ann.iter().map(|a| (a.sample, a.label.as_str())));
        let target = match map_of(&ecg)? {
            Ok(map) => Ok(agreement(&map, &waves, &cfg)?),
            Err(why) => Err(why),
        };
        let uniform = agreement(&vec![1.0; ecg.len()], &waves, &cfg)?;
        out.push(RecordResult {
            rhythm,
            target,
            uniform,
        });
    }
    Ok(out)
}

/// Per-rhythm summary: mass shares are means over the records with a target, QRS coverage is
/// pooled over their complexes.
#[derive(Debug, Default)]
pub struct RhythmRow {
    /// Rhythm (or `all`).
    pub rhythm: String,
    /// Records.
    pub records: usize,
    /// Records with a target.
    pub with_target: usize,
    /// Mean share of the target's mass on P waves, QRS complexes, T waves, any wave.
    pub mass: [f64; 4],
    /// The same share for a uniform map (chance level), any wave.
    pub uniform_waves: f64,
    /// Annotated QRS complexes covered by the target, and in all.
    pub qrs: (usize, usize),
}

impl RhythmRow {
    /// Share of annotated QRS complexes covered.
    pub fn qrs_coverage(&self) -> f64 {
        self.qrs.0 as f64 / self.qrs.1.max(1) as f64
    }
}

/// Rows by rhythm (most records first), then `all`.
pub fn by_rhythm(results: &[RecordResult]) -> Vec<RhythmRow> {
    let mut groups: BTreeMap<&str, Vec<&RecordResult>> = BTreeMap::new();
    for r in results {
        groups.entry(r.rhythm.as_str()).or_default().push(r);
    }
    let mut rows: Vec<RhythmRow> = groups
        .into_iter()
        .map(|(rhythm, rs)| summarise(rhythm, &rs))
        .collect();
    rows.sort_by(|a, b| b.records.cmp(&a.records).then(a.rhythm.cmp(&b.rhythm)));
    rows.push(summarise("all", &results.iter().collect::<Vec<_>>()));
    rows
}

fn summarise(rhythm: &str, rs: &[&RecordResult]) -> RhythmRow {
    let ok: Vec<&WaveAgreement> = rs.iter().filter_map(|r| r.target.as_ref().ok()).collect();
    let mean = |f: &dyn Fn(&WaveAgreement) -> f64| {
        ok.iter().map(|a| f(a)).sum::<f64>() / ok.len().max(1) as f64
    };
    RhythmRow {
        rhythm: rhythm.to_owned(),
        records: rs.len(),
        with_target: ok.len(),
        mass: [
            mean(&|a| a.mass_p),
            mean(&|a| a.mass_qrs),
            mean(&|a| a.mass_t),
            mean(&|a| a.mass_waves),
        ],
        uniform_waves: rs.iter().map(|r| r.uniform.mass_waves).sum::<f64>()
            / rs.len().max(1) as f64,
        qrs: (
            ok.iter().map(|a| a.qrs_covered).sum(),
            ok.iter().map(|a| a.qrs_total).sum(),
        ),
    }
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[RhythmRow]) -> String {
    let mut s = String::from(
        "| rhythm | records | with target | mass on P | on QRS | on T | on any wave | uniform map on any wave | QRS covered |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3} ({}/{}) |\n",
            r.rhythm,
            r.records,
            r.with_target,
            r.mass[0],
            r.mass[1],
            r.mass[2],
            r.mass[3],
            r.uniform_waves,
            r.qrs_coverage(),
            r.qrs.0,
            r.qrs.1
        ));
    }
    s
}
