//! `exg score-peaks DIR`: scores R-peak detectors against WFDB beat annotations (MIT-BIH style)
//! and prints the per-record and gross table (markdown, or JSON with `--json`).
//!
//! ```text
//! exg score-peaks ../shared/data/mitdb                      # default detector, channel 0, 150 ms
//! exg score-peaks ../shared/data/mitdb --detector all       # every built-in detector
//! exg score-peaks ../shared/data/mitdb --peaks-json nk.json # score external peaks (NeuroKit2)
//! exg score-peaks ../shared/data/mitdb --noise-stress ../shared/data/nstdb --detector all \
//!     --write-noisy /tmp/nst                                # NST-style table (118, 119 × bw, ma × SNR)
//! exg score-peaks ../shared/data/mitdb --window-s 10 --gated  # every 10-s window on its own
//! exg score-peaks ../shared/data/cpsc2019 --dataset cpsc2019  # 0.5–9.5 s scored, 75 ms
//! exg score-peaks ../shared/data/ludb --dataset ludb --leads ii # inside the annotated span
//! exg score-peaks ../shared/data/cinc2017/training2017 --dataset cinc2017 --gated # refusals of N records
//! exg score-peaks ../shared/data/nstdb --dataset unannotated --window-s 10 --gated # noise: refusals
//! ```
//!
//! Each signal is scored inside its *scored span* (the whole signal, the CPSC challenge's
//! 0.5–9.5 s, LUDB's annotated stretch): reference beats inside it, detections inside it
//! widened by the tolerance on both sides. With `--gated` every detector runs behind the
//! quality gate, as in `exg peaks`, and the signals it refuses are counted (`refused`).
//!
//! Reference beats are the annotations whose symbol is a WFDB beat symbol
//! ([`exg_signal::score::BEAT_SYMBOLS`]); rhythm, noise, artefact and comment annotations are
//! ignored. Gross figures sum TP/FP/FN over records. Timing error is detected − reference.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use exg_data::dataset::cinc2017::{Cinc2017, Label};
use exg_data::dataset::mitdb::vf_episodes;
use exg_data::dataset::{cpsc2019, ludb};
use exg_data::format::wfdb::{list_records, read_annotations, read_record};
use exg_signal::rpeaks::{Gated, NoResult, RPeakDetector, Registry};
use exg_signal::score::{Score, add_noise, is_beat_symbol, match_peaks, outside};
use exg_signal::{Ecg, RPeaks};
use serde_json::{Value, json};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Directory of WFDB records with `.atr` annotations (e.g. ../shared/data/mitdb), or of the
    /// dataset named by `--dataset`.
    pub dir: PathBuf,
    /// What DIR holds: `wfdb` (records with `.atr`), `cpsc2019` (`data/` + `ref/`, scored in
    /// 0.5–9.5 s), `ludb` (each lead on its own, scored inside the annotated span), `cinc2017`
    /// (the `training2017` folder, records with `--labels`; no reference beats), `unannotated`
    /// (every WFDB record, no reference beats: for the gate's refusals of noise).
    #[arg(long, value_enum, default_value_t = Dataset::Wfdb)]
    pub dataset: Dataset,
    /// Cut every signal into consecutive full windows of this many seconds, each detected on
    /// its own (signals named `<record>@<first sample>`; the remainder is dropped).
    #[arg(long, value_name = "SECONDS")]
    pub window_s: Option<f64>,
    /// LUDB leads to score (default: all 12).
    #[arg(long, value_delimiter = ',')]
    pub leads: Vec<String>,
    /// CinC 2017 labels of the records to read.
    #[arg(long, value_delimiter = ',', default_value = "N")]
    pub labels: Vec<String>,
    /// Run every detector behind the quality gate (as `exg peaks` does) and count the signals
    /// it refuses.
    #[arg(long)]
    pub gated: bool,
    /// Detector name, or `all` for every detector in the registry (the built-in ones in `exg`).
    #[arg(long, default_value = "pantompkins")]
    pub detector: String,
    /// Channel index (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Matching tolerance in milliseconds (default 150; 75 for `--dataset cpsc2019`, the
    /// challenge's).
    #[arg(long)]
    pub tolerance_ms: Option<f64>,
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
    /// Write each built-in detector's peaks to `<DIR>/<detector>.json`, in the `--peaks-json`
    /// layout (for inspecting failures, or scoring them again).
    #[arg(long, value_name = "DIR")]
    pub write_peaks: Option<PathBuf>,
    /// Print JSON instead of markdown.
    #[arg(long)]
    pub json: bool,
}

/// What the directory holds (`--dataset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dataset {
    /// WFDB records with `.atr` beat annotations (MIT-BIH, QTDB).
    Wfdb,
    /// CPSC 2019 (`data/data_XXXXX.mat`, `ref/R_XXXXX.mat`).
    Cpsc2019,
    /// LUDB (`data/<n>` with one annotation file per lead).
    Ludb,
    /// CinC 2017 training folder (no reference beats).
    Cinc2017,
    /// WFDB records without reference beats (noise records).
    Unannotated,
}

/// One detector's run: its name, one row per signal, and the detection seconds (NaN for peaks
/// read from a file).
struct DetectorRun {
    name: String,
    rows: Vec<Row>,
    secs: f64,
}

/// One signal's result: its score and whether the gate refused it.
#[derive(Clone, Copy)]
struct Row {
    score: Score,
    refused: bool,
}

/// One signal to score: a name, its samples, its reference beats, the span that is scored and
/// the stretches left out of scoring (`--exclude-vf`).
struct Item {
    name: String,
    ecg: Ecg,
    reference: RPeaks,
    /// Reference beats just outside the signal (a window's neighbours), signed sample
    /// positions: a detection may match them but they are never counted.
    beyond: Vec<i64>,
    span: Range<usize>,
    excluded: Vec<Range<usize>>,
}

/// Runs the subcommand with the detectors of `registry`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    let tolerance_ms = args.tolerance_ms.unwrap_or(match args.dataset {
        Dataset::Cpsc2019 => 1000.0 * cpsc2019::TOLERANCE_S,
        _ => 150.0,
    });
    if !(tolerance_ms.is_finite() && tolerance_ms >= 0.0) {
        bail!("--tolerance-ms must be >= 0");
    }
    if let Some(w) = args.window_s
        && !(w.is_finite() && w > 0.0)
    {
        bail!("--window-s must be > 0");
    }
    let plain: Vec<Box<dyn RPeakDetector>> = if args.detector == "all" {
        registry.names().filter_map(|n| registry.get(n)).collect()
    } else {
        vec![super::detector(registry, &args.detector)?]
    };
    let detectors: Vec<Box<dyn RPeakDetector>> = plain
        .into_iter()
        .map(|d| -> Box<dyn RPeakDetector> {
            if args.gated {
                Box::new(Gated::new(d))
            } else {
                d
            }
        })
        .collect();
    let external: Vec<(String, BTreeMap<String, Vec<usize>>)> = args
        .peaks_json
        .iter()
        .map(|p| read_peaks_json(p))
        .collect::<anyhow::Result<_>>()?;
    let mut items = match (&args.noise_stress, args.dataset) {
        (Some(nst), Dataset::Wfdb) => noisy_items(&args, nst)?,
        (Some(_), _) => bail!("--noise-stress needs --dataset wfdb"),
        (None, Dataset::Wfdb) => record_items(&args)?,
        (None, Dataset::Cpsc2019) => cpsc_items(&args)?,
        (None, Dataset::Ludb) => ludb_items(&args)?,
        (None, Dataset::Cinc2017) => cinc_items(&args)?,
        (None, Dataset::Unannotated) => unannotated_items(&args)?,
    };
    if let Some(w) = args.window_s {
        items = windows(items, w, tolerance_ms / 1000.0)?;
    }
    if items.is_empty() {
        bail!("no signal to score in {}", args.dir.display());
    }

    let mut results: Vec<DetectorRun> = Vec::new();
    let tol_s = tolerance_ms / 1000.0;
    if let Some(dir) = &args.write_peaks {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for det in &detectors {
        let mut rows = Vec::new();
        let mut secs = 0.0;
        let mut found = BTreeMap::new();
        for it in &items {
            let t0 = std::time::Instant::now();
            let d = det
                .detect(&it.ecg)
                .with_context(|| format!("{} on {}", det.name(), it.name))?;
            secs += t0.elapsed().as_secs_f64();
            if args.write_peaks.is_some() {
                found.insert(it.name.clone(), d.peaks.indices().to_vec());
            }
            rows.push(Row {
                score: score(it, d.peaks.indices(), tol_s),
                refused: d.no_result == Some(NoResult::NoConsistentQrs),
            });
        }
        let name = if args.gated {
            format!("{} (gated)", det.name())
        } else {
            det.name().to_owned()
        };
        if let Some(dir) = &args.write_peaks {
            let path = dir.join(format!("{}.json", det.name()));
            let text = serde_json::to_string(&json!({"detector": name, "records": found}))?;
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        results.push(DetectorRun { name, rows, secs });
    }
    for (name, peaks) in &external {
        let mut rows = Vec::new();
        for it in &items {
            let p = peaks
                .get(&it.name)
                .ok_or_else(|| anyhow!("{name}: no peaks for `{}`", it.name))?;
            rows.push(Row {
                score: score(it, p, tol_s),
                refused: false,
            });
        }
        results.push(DetectorRun {
            name: name.clone(),
            rows,
            secs: f64::NAN,
        });
    }

    if args.json {
        let v: Value = json!({
            "tolerance_ms": tolerance_ms,
            "exclude_vf": args.exclude_vf,
            "channel": args.channel,
            "signals": items.len(),
            "detectors": results.iter().map(|r| {
                let gross: Score = r.rows.iter().map(|r| r.score).sum();
                (r.name.clone(), json!({
                    "gross": stats(&gross),
                    "refused": r.rows.iter().filter(|r| r.refused).count(),
                    "detect_seconds": if r.secs.is_finite() { json!(r.secs) } else { Value::Null },
                    "records": items.iter().zip(&r.rows).map(|(it, row)| {
                        let mut s = stats(&row.score);
                        s["refused"] = json!(row.refused);
                        (it.name.clone(), s)
                    }).collect::<BTreeMap<_, _>>(),
                }))
            }).collect::<BTreeMap<_, _>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_markdown(&args, tolerance_ms, &items, &results);
    }
    Ok(())
}

/// Matches against every reference beat, then counts inside the item's scored span only:
/// reference beats in it (TP, FN) and unmatched detections in it (FP). A detection of a beat
/// just outside the span (an unannotated edge beat) is therefore not a false positive, as in
/// the CPSC 2019 scoring rule.
fn score(item: &Item, detected: &[usize], tol_s: f64) -> Score {
    let fs = item.reference.fs();
    let tol = fs.samples(tol_s);
    // Positions shifted by `tol` so that the neighbours beyond the start are non-negative.
    let shift = |v: &[usize]| v.iter().map(|&p| p + tol).collect::<Vec<_>>();
    let mut reference = shift(&outside(item.reference.indices(), &item.excluded));
    reference.extend(
        item.beyond
            .iter()
            .filter_map(|&p| usize::try_from(p + tol as i64).ok()),
    );
    reference.sort_unstable();
    let detected = shift(&outside(detected, &item.excluded));
    let mut m = match_peaks(&reference, &detected, tol);
    let span = item.span.start + tol..item.span.end + tol;
    m.pairs.retain(|(r, _)| span.contains(r));
    m.missed.retain(|r| span.contains(r));
    m.extra.retain(|d| span.contains(d));
    Score::from_matching(&m, fs.get())
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

fn print_markdown(args: &Args, tolerance_ms: f64, items: &[Item], results: &[DetectorRun]) {
    let mode = match (args.noise_stress.is_some(), args.window_s) {
        (true, None) => "noisy signals".to_owned(),
        (true, Some(w)) => format!("{w}-s windows of noisy signals"),
        (false, None) => "signals".to_owned(),
        (false, Some(w)) => format!("{w}-s windows, each detected on its own"),
    };
    let vf = if args.exclude_vf {
        ", VF episodes excluded"
    } else {
        ""
    };
    println!(
        "## Gross ({} {mode}, channel {}, tolerance {tolerance_ms} ms{vf})\n",
        items.len(),
        args.channel,
    );
    println!(
        "| detector | beats | TP | FN | FP | Se % | +P % | F1 % | error ms (mean ± sd) | refused | detect s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in results {
        let g: Score = r.rows.iter().map(|r| r.score).sum();
        let refused = r.rows.iter().filter(|r| r.refused).count();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} ± {:.1} | {refused} | {} |",
            r.name,
            g.tp + g.fn_,
            g.tp,
            g.fn_,
            g.fp,
            pct(g.sensitivity()),
            pct(g.ppv()),
            pct(g.f1()),
            g.mean_error_ms().unwrap_or(f64::NAN),
            g.sd_error_ms().unwrap_or(f64::NAN),
            if r.secs.is_finite() {
                format!("{:.3}", r.secs)
            } else {
                "–".into()
            }
        );
    }
    if args.noise_stress.is_some() {
        // Names are `<record>_<noise>_<snr>[@start]`: the level is what follows the record.
        print_groups("noise_SNR dB", items, results, |n| {
            n.split_once('_')
                .map_or(n, |(_, l)| l)
                .split('@')
                .next()
                .unwrap_or(n)
        });
    }
    if args.dataset == Dataset::Ludb {
        print_groups("lead", items, results, |n| {
            n.split_once('_').map_or(n, |(_, l)| l)
        });
    }
    // Per record: windows of one record summed.
    print_groups("record", items, results, |n| {
        n.split('@').next().unwrap_or(n)
    });
}

/// One row per group of signals (`key` of the name), beats and scores summed; skipped when
/// there are more than 100 groups (`--json` has every signal).
fn print_groups<'a>(
    what: &str,
    items: &'a [Item],
    results: &[DetectorRun],
    key: impl Fn(&'a str) -> &'a str,
) {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let k = key(&it.name);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    if groups.len() > 100 {
        println!("\n({} {what}s: per-{what} rows with --json)", groups.len());
        return;
    }
    println!("\n## Per {what} (Se % / +P %, signals summed)\n");
    let mut head = format!("| {what} | signals | beats |");
    let mut sep = String::from("|---|---|---|");
    for r in results {
        head += &format!(" {} Se | {} +P |", r.name, r.name);
        sep += "---|---|";
    }
    println!("{head}\n{sep}");
    for (k, idx) in &groups {
        let beats = results.first().map_or(0, |r| {
            idx.iter()
                .map(|&i| r.rows[i].score.tp + r.rows[i].score.fn_)
                .sum::<usize>()
        });
        let mut line = format!("| {k} | {} | {beats} |", idx.len());
        for r in results {
            let s: Score = idx.iter().map(|&i| r.rows[i].score).sum();
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
        span: 0..ecg.len(),
        ecg,
        reference,
        beyond: Vec::new(),
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
                    span: 0..n,
                    ecg,
                    reference,
                    beyond: Vec::new(),
                    excluded: clean.excluded.clone(),
                });
            }
        }
    }
    Ok(items)
}

/// CPSC 2019: every record, scored inside the challenge's 0.5–9.5 s.
fn cpsc_items(args: &Args) -> anyhow::Result<Vec<Item>> {
    let names = if args.records.is_empty() {
        cpsc2019::list_records(&args.dir)?
    } else {
        args.records.clone()
    };
    names
        .into_iter()
        .map(|name| {
            let r = cpsc2019::read(&args.dir, &name)
                .with_context(|| format!("CPSC 2019 record {name}"))?;
            let fs = r.ecg.fs();
            let (a, b) = cpsc2019::SCORED_SPAN_S;
            let span = fs.samples(a)..fs.samples(b) + 1;
            let reference = RPeaks::new(r.r_peaks, fs, r.ecg.len())?;
            Ok(Item {
                name,
                ecg: r.ecg,
                reference,
                beyond: Vec::new(),
                span,
                excluded: Vec::new(),
            })
        })
        .collect()
}

/// LUDB: each lead of each record (`--records` numbers, `--leads`), named `<n>_<lead>`,
/// scored inside the lead's annotated span.
fn ludb_items(args: &Args) -> anyhow::Result<Vec<Item>> {
    let numbers: Vec<usize> = if args.records.is_empty() {
        (1..=ludb::N_RECORDS).collect()
    } else {
        args.records
            .iter()
            .map(|r| r.parse().with_context(|| format!("LUDB record `{r}`")))
            .collect::<anyhow::Result<_>>()?
    };
    let leads: Vec<String> = if args.leads.is_empty() {
        ludb::LEADS.iter().map(|l| l.to_string()).collect()
    } else {
        args.leads.clone()
    };
    let mut items = Vec::new();
    for n in numbers {
        let record = read_record(ludb::record_path(&args.dir, n))?;
        for lead in &leads {
            let j = ludb::LEADS
                .iter()
                .position(|l| l == lead)
                .ok_or_else(|| anyhow!("unknown LUDB lead `{lead}`"))?;
            let ecg = record.ecg(j)?;
            let r = ludb::lead_reference(&args.dir, n, lead)?;
            let reference = RPeaks::new(r.r_peaks, ecg.fs(), ecg.len())?;
            items.push(Item {
                name: format!("{n}_{lead}"),
                span: r.span,
                ecg,
                reference,
                beyond: Vec::new(),
                excluded: Vec::new(),
            });
        }
    }
    Ok(items)
}

/// An item without reference beats (every detection is a false positive).
fn unreferenced(name: String, ecg: Ecg) -> Item {
    Item {
        name,
        span: 0..ecg.len(),
        reference: RPeaks::empty(ecg.fs(), ecg.len()),
        beyond: Vec::new(),
        ecg,
        excluded: Vec::new(),
    }
}

/// CinC 2017: the records whose label is in `--labels`, channel 0, no reference beats.
fn cinc_items(args: &Args) -> anyhow::Result<Vec<Item>> {
    let labels: Vec<Label> = args
        .labels
        .iter()
        .map(|l| Label::from_symbol(l))
        .collect::<Result<_, _>>()?;
    let db = Cinc2017::open(&args.dir)?;
    db.entries()
        .iter()
        .filter(|e| labels.contains(&e.label))
        .filter(|e| args.records.is_empty() || args.records.contains(&e.record))
        .map(|e| Ok(unreferenced(e.record.clone(), db.read(e)?.ecg(0)?)))
        .collect()
}

/// Every WFDB record of DIR (`--channel`), no reference beats.
fn unannotated_items(args: &Args) -> anyhow::Result<Vec<Item>> {
    let names = if args.records.is_empty() {
        list_records(&args.dir)?
    } else {
        args.records.clone()
    };
    names
        .into_iter()
        .map(|name| {
            let rec = read_record(args.dir.join(&name))?;
            let ecg = rec
                .ecg(args.channel)
                .with_context(|| format!("record {name}, channel {}", args.channel))?;
            Ok(unreferenced(name, ecg))
        })
        .collect()
}

/// Every item cut into consecutive full windows of `window_s` seconds (`<name>@<start>`), each
/// with the reference beats, scored span and excluded stretches that fall inside it, shifted;
/// the reference beats within `reach` samples outside it become its `beyond` (a beat cut by the
/// window's edge may be detected on either side).
fn windows(items: Vec<Item>, window_s: f64, reach: f64) -> anyhow::Result<Vec<Item>> {
    let mut out = Vec::new();
    for it in items {
        let fs = it.ecg.fs();
        let n = fs.samples(window_s).max(1);
        let x = it.ecg.samples();
        for start in (0..x.len().saturating_sub(n - 1)).step_by(n) {
            let end = start + n;
            let clip = |r: &Range<usize>| {
                r.start.clamp(start, end) - start..r.end.clamp(start, end) - start
            };
            let refs = it
                .reference
                .indices()
                .iter()
                .filter(|&&p| (start..end).contains(&p))
                .map(|&p| p - start)
                .collect();
            let reach = fs.samples(reach);
            let beyond = it
                .reference
                .indices()
                .iter()
                .filter(|&&p| p + reach >= start && p < end + reach && !(start..end).contains(&p))
                .map(|&p| p as i64 - start as i64)
                .collect();
            let ecg = it.ecg.with_samples(x[start..end].to_vec())?;
            out.push(Item {
                name: format!("{}@{start}", it.name),
                reference: RPeaks::new(refs, fs, n)?,
                beyond,
                span: clip(&it.span),
                excluded: it
                    .excluded
                    .iter()
                    .map(clip)
                    .filter(|r| !r.is_empty())
                    .collect(),
                ecg,
            });
        }
    }
    Ok(out)
}
