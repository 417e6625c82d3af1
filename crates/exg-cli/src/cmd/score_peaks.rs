//! `exg score-peaks DIR`: scores R-peak detectors against WFDB beat annotations (MIT-BIH style)
//! and prints the per-record and gross table (markdown, or JSON with `--json`).
//!
//! ```text
//! exg score-peaks ../shared/data/mitdb                      # default detector, channel 0, 150 ms
//! exg score-peaks ../shared/data/mitdb --detector all       # every built-in detector
//! exg score-peaks ../shared/data/mitdb --peaks-json nk.json # score external peaks (NeuroKit2)
//! exg score-peaks ../shared/data/mitdb --noise-stress ../shared/data/nstdb --detector all \
//!     --write-noisy /tmp/nst                                # NST-style table (118, 119 × bw, ma × SNR)
//! ```
//!
//! Reference beats are the annotations whose symbol is a WFDB beat symbol
//! ([`exg_signal::score::BEAT_SYMBOLS`]); rhythm, noise, artefact and comment annotations are
//! ignored. Gross figures sum TP/FP/FN over records. Timing error is detected − reference.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use exg_data::dataset::mitdb::vf_episodes;
use exg_data::format::wfdb::{list_records, read_annotations, read_record};
use exg_signal::rpeaks::{RPeakDetector, Registry};
use exg_signal::score::{Score, add_noise, is_beat_symbol, match_peaks, outside};
use exg_signal::{Ecg, RPeaks};
use serde_json::{Value, json};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Directory of WFDB records with `.atr` annotations (e.g. ../shared/data/mitdb).
    pub dir: PathBuf,
    /// Detector name, or `all` for every detector in the registry (the built-in ones in `exg`).
    #[arg(long, default_value = "pantompkins")]
    pub detector: String,
    /// Channel index (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Matching tolerance in milliseconds.
    #[arg(long, default_value_t = 150.0)]
    pub tolerance_ms: f64,
    /// Also score the peaks in this JSON file (`{"detector": NAME, "records": {"100": [...]}}`,
    /// e.g. written by tools/signal_peaks_neurokit_mitdb.py).
    #[arg(long, value_name = "FILE")]
    pub peaks_json: Vec<PathBuf>,
    /// Only these records (comma-separated); default: every record in DIR (118,119 with --noise-stress).
    #[arg(long, value_delimiter = ',')]
    pub records: Vec<String>,
    /// Noise-stress mode: directory holding the NSTDB `bw` and `ma` noise records.
    #[arg(long, value_name = "NSTDB_DIR")]
    pub noise_stress: Option<PathBuf>,
    /// SNRs in dB for --noise-stress.
    #[arg(long, value_delimiter = ',', default_values_t = [24.0, 12.0, 6.0, 0.0, -6.0], allow_hyphen_values = true)]
    pub snr_db: Vec<f64>,
    /// With --noise-stress: write each noisy signal as `<record>_<noise>_<snr>.f64` (little-endian
    /// f64, 360 Hz) in this directory, for running a peer tool on the same samples.
    #[arg(long, value_name = "DIR")]
    pub write_noisy: Option<PathBuf>,
    /// Leave ventricular flutter/fibrillation episodes (between `[` and `]` annotations) out of
    /// the scores, as ANSI/AAMI EC57 and WFDB's `bxb` do (MIT-BIH: record 207).
    #[arg(long)]
    pub exclude_vf: bool,
    /// Print JSON instead of markdown.
    #[arg(long)]
    pub json: bool,
}

/// One detector's run: its name, `(signal, score)` per signal, and the detection seconds
/// (NaN for peaks read from a file).
type DetectorRun = (String, Vec<(String, Score)>, f64);

/// One signal to score: a name, its samples, its reference beats and the stretches left out
/// of scoring (`--exclude-vf`).
struct Item {
    name: String,
    ecg: Ecg,
    reference: RPeaks,
    excluded: Vec<Range<usize>>,
}

/// Runs the subcommand with the detectors of `registry`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    if !(args.tolerance_ms.is_finite() && args.tolerance_ms >= 0.0) {
        bail!("--tolerance-ms must be >= 0");
    }
    let detectors: Vec<Box<dyn RPeakDetector>> = if args.detector == "all" {
        registry.names().filter_map(|n| registry.get(n)).collect()
    } else {
        vec![super::detector(registry, &args.detector)?]
    };
    let external: Vec<(String, BTreeMap<String, Vec<usize>>)> = args
        .peaks_json
        .iter()
        .map(|p| read_peaks_json(p))
        .collect::<anyhow::Result<_>>()?;
    let items = if let Some(nst) = &args.noise_stress {
        noisy_items(&args, nst)?
    } else {
        record_items(&args)?
    };
    if items.is_empty() {
        bail!(
            "no WFDB record with .atr annotations in {}",
            args.dir.display()
        );
    }

    // results[detector] = per-item scores
    let mut results: Vec<DetectorRun> = Vec::new();
    let tol_s = args.tolerance_ms / 1000.0;
    for det in &detectors {
        let mut rows = Vec::new();
        let mut secs = 0.0;
        for it in &items {
            let t0 = std::time::Instant::now();
            let d = det
                .detect(&it.ecg)
                .with_context(|| format!("{} on {}", det.name(), it.name))?;
            secs += t0.elapsed().as_secs_f64();
            rows.push((it.name.clone(), score(it, d.peaks.indices(), tol_s)));
        }
        results.push((det.name().to_owned(), rows, secs));
    }
    for (name, peaks) in &external {
        let mut rows = Vec::new();
        for it in &items {
            let p = peaks
                .get(&it.name)
                .ok_or_else(|| anyhow!("{name}: no peaks for `{}`", it.name))?;
            rows.push((it.name.clone(), score(it, p, tol_s)));
        }
        results.push((name.clone(), rows, f64::NAN));
    }

    if args.json {
        let v: Value = json!({
            "tolerance_ms": args.tolerance_ms,
            "exclude_vf": args.exclude_vf,
            "channel": args.channel,
            "detectors": results.iter().map(|(n, rows, secs)| {
                let gross: Score = rows.iter().map(|r| r.1).sum();
                (n.clone(), json!({
                    "gross": stats(&gross),
                    "detect_seconds": if secs.is_finite() { json!(secs) } else { Value::Null },
                    "records": rows.iter().map(|(r, s)| (r.clone(), stats(s))).collect::<BTreeMap<_, _>>(),
                }))
            }).collect::<BTreeMap<_, _>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_markdown(&args, &items, &results);
    }
    Ok(())
}

fn score(item: &Item, detected: &[usize], tol_s: f64) -> Score {
    let fs = item.reference.fs();
    let reference = outside(item.reference.indices(), &item.excluded);
    let detected = outside(detected, &item.excluded);
    Score::from_matching(
        &match_peaks(&reference, &detected, fs.samples(tol_s)),
        fs.get(),
    )
}

fn stats(s: &Score) -> Value {
    json!({
        "tp": s.tp, "fp": s.fp, "fn": s.fn_,
        "se": s.sensitivity(), "ppv": s.ppv(), "f1": s.f1(),
        "error_mean_ms": s.mean_error_ms(), "error_sd_ms": s.sd_error_ms(),
    })
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{:.2}", 100.0 * x))
}

fn print_markdown(args: &Args, items: &[Item], results: &[DetectorRun]) {
    let mode = if args.noise_stress.is_some() {
        "noisy signals"
    } else {
        "records"
    };
    let vf = if args.exclude_vf {
        ", VF episodes excluded"
    } else {
        ""
    };
    println!(
        "## Gross ({} {mode}, channel {}, tolerance {} ms{vf})\n",
        items.len(),
        args.channel,
        args.tolerance_ms
    );
    println!(
        "| detector | beats | TP | FN | FP | Se % | +P % | F1 % | error ms (mean ± sd) | detect s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, rows, secs) in results {
        let g: Score = rows.iter().map(|r| r.1).sum();
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {:.1} ± {:.1} | {} |",
            g.tp + g.fn_,
            g.tp,
            g.fn_,
            g.fp,
            pct(g.sensitivity()),
            pct(g.ppv()),
            pct(g.f1()),
            g.mean_error_ms().unwrap_or(f64::NAN),
            g.sd_error_ms().unwrap_or(f64::NAN),
            if secs.is_finite() {
                format!("{secs:.3}")
            } else {
                "–".into()
            }
        );
    }
    if args.noise_stress.is_some() {
        print_levels(items, results);
    }
    // Per item: one row, Se/+P per detector side by side.
    println!(
        "\n## Per {}\n",
        if args.noise_stress.is_some() {
            "signal"
        } else {
            "record"
        }
    );
    let mut head = String::from("| signal | beats |");
    let mut sep = String::from("|---|---|");
    for (name, _, _) in results {
        head += &format!(" {name} Se | {name} +P |");
        sep += "---|---|";
    }
    println!("{head}\n{sep}");
    for (i, it) in items.iter().enumerate() {
        let mut line = format!("| {} | {} |", it.name, it.reference.len());
        for (_, rows, _) in results {
            let s = rows[i].1;
            line += &format!(" {} | {} |", pct(s.sensitivity()), pct(s.ppv()));
        }
        println!("{line}");
    }
}

/// Noise-stress summary: one row per noise and SNR, beats summed over records.
fn print_levels(items: &[Item], results: &[DetectorRun]) {
    // Item names are `<record>_<noise>_<snr>`; the level is what follows the record.
    let level = |name: &str| {
        name.split_once('_')
            .map_or(name.to_owned(), |(_, l)| l.to_owned())
    };
    let mut levels: Vec<String> = Vec::new();
    for it in items {
        let l = level(&it.name);
        if !levels.contains(&l) {
            levels.push(l);
        }
    }
    println!("\n## Per noise level (records summed)\n");
    let mut head = String::from("| noise_SNR dB | beats |");
    let mut sep = String::from("|---|---|");
    for (name, _, _) in results {
        head += &format!(" {name} Se | {name} +P |");
        sep += "---|---|";
    }
    println!("{head}\n{sep}");
    for l in &levels {
        let idx: Vec<usize> = (0..items.len())
            .filter(|&i| level(&items[i].name) == *l)
            .collect();
        let beats: usize = idx.iter().map(|&i| items[i].reference.len()).sum();
        let mut line = format!("| {l} | {beats} |");
        for (_, rows, _) in results {
            let s: Score = idx.iter().map(|&i| rows[i].1).sum();
            line += &format!(" {} | {} |", pct(s.sensitivity()), pct(s.ppv()));
        }
        println!("{line}");
    }
}

fn read_peaks_json(path: &Path) -> anyhow::Result<(String, BTreeMap<String, Vec<usize>>)> {
    #[derive(serde::Deserialize)]
    struct File {
        detector: String,
        records: BTreeMap<String, Vec<usize>>,
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let f: File =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok((f.detector, f.records))
}

fn record_names(args: &Args, default: &[&str]) -> anyhow::Result<Vec<String>> {
    if !args.records.is_empty() {
        return Ok(args.records.clone());
    }
    if !default.is_empty() {
        return Ok(default.iter().map(|s| s.to_string()).collect());
    }
    // Only records with reference annotations can be scored.
    Ok(list_records(&args.dir)?
        .into_iter()
        .filter(|stem| args.dir.join(format!("{stem}.atr")).is_file())
        .collect())
}

fn load(args: &Args, name: &str) -> anyhow::Result<Item> {
    let path = args.dir.join(name);
    let record = read_record(&path)?;
    let ecg = record
        .ecg(args.channel)
        .with_context(|| format!("record {name}, channel {}", args.channel))?;
    let annotations = read_annotations(&path, "atr")?;
    let beats: Vec<usize> = annotations
        .iter()
        .filter(|a| is_beat_symbol(&a.label) && a.sample < ecg.len())
        .map(|a| a.sample)
        .collect();
    let reference = RPeaks::new(beats, ecg.fs(), ecg.len())
        .with_context(|| format!("annotations of {name}"))?;
    let excluded = if args.exclude_vf {
        vf_episodes(&annotations, ecg.len())
    } else {
        Vec::new()
    };
    Ok(Item {
        name: name.to_owned(),
        ecg,
        reference,
        excluded,
    })
}

fn record_items(args: &Args) -> anyhow::Result<Vec<Item>> {
    record_names(args, &[])?
        .iter()
        .map(|n| load(args, n))
        .collect()
}

fn noisy_items(args: &Args, nst: &Path) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    if let Some(dir) = &args.write_noisy {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for name in record_names(args, &["118", "119"])? {
        let clean = load(args, &name)?;
        for noise_name in ["bw", "ma"] {
            let noise = read_record(nst.join(noise_name))?;
            let ch = noise
                .channels
                .first()
                .ok_or_else(|| anyhow!("{noise_name} has no channel"))?;
            for &snr in &args.snr_db {
                let x = add_noise(
                    clean.ecg.samples(),
                    clean.reference.indices(),
                    &ch.samples,
                    snr,
                    clean.ecg.fs().get(),
                )?;
                let label = format!("{name}_{noise_name}_{snr}");
                if let Some(dir) = &args.write_noisy {
                    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
                    let tmp = dir.join(format!("{label}.f64.tmp"));
                    std::fs::write(&tmp, bytes)
                        .with_context(|| format!("writing {}", tmp.display()))?;
                    std::fs::rename(&tmp, dir.join(format!("{label}.f64")))?;
                }
                let n = x.len();
                let refs: Vec<usize> = clean
                    .reference
                    .indices()
                    .iter()
                    .copied()
                    .filter(|&i| i < n)
                    .collect();
                let ecg = clean.ecg.with_samples(x)?;
                let reference = RPeaks::new(refs, ecg.fs(), n)?;
                items.push(Item {
                    name: label,
                    ecg,
                    reference,
                    excluded: clean.excluded.clone(),
                });
            }
        }
    }
    Ok(items)
}
