//! The run folder's files (`exg_train::report`): the per-epoch CSV reads back exactly, figures
//! decode with the expected size and are not blank, SVGs carry the class names, the markdown
//! escapes table cells and links images relatively, and bad input is an error, never a panic.

use std::path::{Path, PathBuf};

use exg_train::Error;
use exg_train::cv::{Evaluation, Summary};
use exg_train::metrics::Confusion;
use exg_train::report::{
    ConfusionFigure, EPOCHS_CSV_HEADER, LEARNING_CURVES_SIZE, LearningCurves, Report,
    confusion_table, epochs_csv, evaluation_table, parse_epochs_csv, summary_table,
    write_epochs_csv,
};
use exg_train::trainer::EpochLog;
use proptest::prelude::*;

/// A fresh temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "exg-report-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn history(n: usize) -> Vec<EpochLog> {
    (1..=n)
        .map(|epoch| {
            let t = epoch as f64;
            EpochLog {
                epoch,
                lr: 3e-3 * (1.0 - t / (n as f64 + 1.0)),
                loss: 1.2 + 2.0 / t,
                ce: 0.3 + 1.1 / t,
                ce_features: 0.35 + 0.7 / t,
                xai: 0.45 + 0.1 / t,
                xai_skipped: epoch % 3,
                train_accuracy: 1.0 - 0.6 / t,
                val_score: (epoch != 2).then(|| 0.9 - 0.5 / t),
                val_accuracy: (epoch != 2).then(|| 0.95 - 0.5 / t),
                seconds: 0.1 * t,
            }
        })
        .collect()
}

fn classes() -> Vec<String> {
    ["SR", "SB", "AFIB|flutter", "SVT"]
        .map(String::from)
        .to_vec()
}

fn confusion() -> Vec<Vec<u64>> {
    vec![
        vec![30, 2, 0, 1],
        vec![3, 25, 0, 0],
        vec![0, 1, 12, 7],
        vec![0, 0, 0, 0],
    ]
}

/// Decodes a PNG: (width, height, RGB or RGBA bytes, channels).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, info.color_type.samples())
}

/// Share of pixels that are not white.
fn ink(rgb: &[u8], channels: usize) -> f64 {
    let px = rgb.chunks(channels);
    let n = px.len();
    px.filter(|p| p[..3].iter().any(|&c| c < 250)).count() as f64 / n as f64
}

// ------------------------------------------------------------------------------------- CSV

#[test]
fn csv_has_header_one_row_per_epoch_and_reads_back() {
    let h = history(7);
    let csv = epochs_csv(&h);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], EPOCHS_CSV_HEADER.join(","));
    assert_eq!(
        lines[0],
        "epoch,lr,loss,ce,ce_features,xai,xai_skipped,train_accuracy,val_score,val_accuracy,seconds"
    );
    assert_eq!(lines.len(), 1 + h.len());
    // A missing validation figure is an empty field.
    assert!(lines[2].split(',').nth(8).unwrap().is_empty());
    // Field by field against the logged values.
    for (line, e) in lines[1..].iter().zip(&h) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 11);
        assert_eq!(f[0].parse::<usize>().unwrap(), e.epoch);
        assert_eq!(f[1].parse::<f64>().unwrap(), e.lr);
        assert_eq!(f[2].parse::<f64>().unwrap(), e.loss);
        assert_eq!(f[3].parse::<f64>().unwrap(), e.ce);
        assert_eq!(f[4].parse::<f64>().unwrap(), e.ce_features);
        assert_eq!(f[5].parse::<f64>().unwrap(), e.xai);
        assert_eq!(f[6].parse::<usize>().unwrap(), e.xai_skipped);
        assert_eq!(f[7].parse::<f64>().unwrap(), e.train_accuracy);
        assert_eq!(f[8].parse::<f64>().ok(), e.val_score);
        assert_eq!(f[9].parse::<f64>().ok(), e.val_accuracy);
        assert_eq!(f[10].parse::<f64>().unwrap(), e.seconds);
    }
    assert_eq!(parse_epochs_csv(&csv).unwrap(), h);
}

#[test]
fn csv_file_is_written_and_empty_history_is_an_error() {
    let dir = TempDir::new("csv");
    let h = history(3);
    write_epochs_csv(&dir.join("epochs.csv"), &h).unwrap();
    let text = std::fs::read_to_string(dir.join("epochs.csv")).unwrap();
    assert_eq!(parse_epochs_csv(&text).unwrap(), h);
    assert!(matches!(
        write_epochs_csv(&dir.join("empty.csv"), &[]),
        Err(Error::Input(_))
    ));
    assert!(!dir.join("empty.csv").exists());
    // A missing folder: an I/O error naming the file.
    assert!(matches!(
        write_epochs_csv(&dir.join("missing/epochs.csv"), &h),
        Err(Error::Io { .. })
    ));
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir.0).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn csv_parse_rejects_bad_text() {
    assert!(parse_epochs_csv("").is_err());
    assert!(parse_epochs_csv("a,b\n1,2\n").is_err());
    let mut csv = epochs_csv(&history(2));
    csv.push_str("3,x,1,1,1,1,0,1,,,1\n");
    let e = parse_epochs_csv(&csv).unwrap_err().to_string();
    assert!(e.contains("line 4") && e.contains("`lr`"), "{e}");
    let short = format!("{}\n1,2,3\n", EPOCHS_CSV_HEADER.join(","));
    assert!(parse_epochs_csv(&short).is_err());
}

// --------------------------------------------------------------------------------- figures

#[test]
fn learning_curves_png_has_its_size_and_ink() {
    let dir = TempDir::new("curves");
    let h = history(12);
    let path = dir.join("curves.png");
    LearningCurves::new("synthetic run")
        .with_run("run", &h, Some(9))
        .render(&path)
        .unwrap();
    let (w, hgt, px, ch) = decode_png(&path);
    assert_eq!((w, hgt), LEARNING_CURVES_SIZE);
    let share = ink(&px, ch);
    assert!(share > 0.01 && share < 0.6, "ink share {share}");
}

#[test]
fn learning_curves_of_several_folds_and_svg() {
    let dir = TempDir::new("folds");
    let (a, b, c) = (history(10), history(6), history(1));
    let mut fig = LearningCurves::new("5-fold study")
        .with_run("fold 1", &a, Some(8))
        .with_run("fold 2", &b, None)
        .with_run("fold 3", &c, Some(1));
    fig.size = (900, 600);
    fig.render(&dir.join("curves.PNG")).unwrap();
    let (w, h, px, ch) = decode_png(&dir.join("curves.PNG"));
    assert_eq!((w, h), (900, 600));
    assert!(ink(&px, ch) > 0.01);
    fig.render(&dir.join("curves.svg")).unwrap();
    let svg = std::fs::read_to_string(dir.join("curves.svg")).unwrap();
    for s in ["fold 1", "fold 3", "total loss", "epoch"] {
        assert!(svg.contains(s), "{s} missing");
    }
}

#[test]
fn a_term_that_is_off_is_labelled() {
    let dir = TempDir::new("off");
    let mut h = history(4);
    for e in &mut h {
        e.ce_features = 0.0;
        e.xai = 0.0;
    }
    LearningCurves::new("no XAI")
        .with_run("run", &h, None)
        .render(&dir.join("c.svg"))
        .unwrap();
    let svg = std::fs::read_to_string(dir.join("c.svg")).unwrap();
    assert!(svg.contains("off (all 0)"));
}

#[test]
fn learning_curves_reject_bad_input() {
    let dir = TempDir::new("bad-curves");
    let h = history(5);
    let path = dir.join("c.png");
    let input = |r: exg_train::Result<()>| matches!(r, Err(Error::Input(_)));
    // No run; a run without epochs.
    assert!(input(LearningCurves::new("t").render(&path)));
    assert!(input(
        LearningCurves::new("t")
            .with_run("empty", &[], None)
            .render(&path)
    ));
    // Selected epoch not in the history; more selections than runs.
    assert!(input(
        LearningCurves::new("t")
            .with_run("r", &h, Some(6))
            .render(&path)
    ));
    let mut fig = LearningCurves::new("t").with_run("r", &h, None);
    fig.selected = vec![None, Some(1)];
    assert!(input(fig.render(&path)));
    // Another extension; a size too small.
    let fig = LearningCurves::new("t").with_run("r", &h, None);
    assert!(fig.render(&dir.join("c.jpg")).is_err());
    let mut small = fig.clone();
    small.size = (100, 100);
    assert!(input(small.render(&path)));
    assert!(!path.exists());
}

#[test]
fn non_finite_values_leave_gaps() {
    let dir = TempDir::new("nan");
    let mut h = history(6);
    h[2].loss = f64::NAN;
    h[3].xai = f64::INFINITY;
    h[4].val_score = Some(f64::NEG_INFINITY);
    LearningCurves::new("gaps")
        .with_run("run", &h, Some(2))
        .render(&dir.join("c.png"))
        .unwrap();
}

#[test]
fn confusion_png_has_its_size_and_ink() {
    let dir = TempDir::new("confusion");
    let (names, counts) = (classes(), confusion());
    let path = dir.join("confusion.png");
    let fig = ConfusionFigure::new("held-out records", &names, &counts);
    fig.render(&path).unwrap();
    let (w, h, px, ch) = decode_png(&path);
    assert!(w >= 600 && h >= 400, "{w} x {h}");
    assert!(ink(&px, ch) > 0.05);
    // A given size is kept.
    let mut sized = fig.clone();
    sized.size = Some((1000, 800));
    sized.render(&path).unwrap();
    let (w, h, _, _) = decode_png(&path);
    assert_eq!((w, h), (1000, 800));
}

#[test]
fn confusion_svg_names_the_classes_and_their_sensitivity() {
    let dir = TempDir::new("confusion-svg");
    let (names, counts) = (classes(), confusion());
    let c = Confusion::from_pairs(4, &[0, 0, 1, 2, 3], &[0, 1, 1, 2, 3]).unwrap();
    let e = Evaluation::from_confusion(&c, &names, None);
    ConfusionFigure::new("records", &names, &counts)
        .render(&dir.join("c.svg"))
        .unwrap();
    let svg = std::fs::read_to_string(dir.join("c.svg")).unwrap();
    for n in ["SR", "SB", "AFIB|flutter", "SVT"] {
        assert!(svg.contains(n), "{n} missing");
    }
    // Row SR: 30 of 33 -> Se 0.91; the empty SVT row has no sensitivity.
    assert!(svg.contains("Se 0.91"));
    assert!(svg.contains("Se \u{2013}"));
    ConfusionFigure::of_evaluation("eval", &e)
        .render(&dir.join("e.svg"))
        .unwrap();
}

#[test]
fn confusion_rejects_mismatched_input() {
    let dir = TempDir::new("bad-confusion");
    let names = classes();
    let path = dir.join("c.png");
    let input = |r: exg_train::Result<()>| matches!(r, Err(Error::Input(_)));
    let three_rows = vec![vec![1, 0, 0, 0]; 3];
    assert!(input(
        ConfusionFigure::new("t", &names, &three_rows).render(&path)
    ));
    let ragged = vec![vec![1, 0, 0, 0], vec![1, 0], vec![0; 4], vec![0; 4]];
    assert!(input(
        ConfusionFigure::new("t", &names, &ragged).render(&path)
    ));
    assert!(input(ConfusionFigure::new("t", &[], &[]).render(&path)));
    let counts = confusion();
    let mut tiny = ConfusionFigure::new("t", &names, &counts);
    tiny.size = Some((600, 400));
    tiny.render(&path).unwrap();
    let many: Vec<String> = (0..30).map(|i| format!("class {i}")).collect();
    let zeros = vec![vec![0u64; 30]; 30];
    let mut crowded = ConfusionFigure::new("t", &many, &zeros);
    crowded.size = Some((600, 400));
    assert!(input(crowded.render(&path)));
    assert!(confusion_table(&names, &three_rows).is_err());
}

// -------------------------------------------------------------------------------- markdown

#[test]
fn tables_escape_pipes_and_line_breaks() {
    let mut r = Report::new("Run | 1");
    r.table(
        &["class", "F1"],
        &[
            vec!["A|B".into(), "0.5".into()],
            vec!["two\nlines".into(), "–".into()],
            vec!["short".into()],
        ],
    );
    let md = r.to_markdown();
    assert!(md.contains("| A\\|B | 0.5 |"), "{md}");
    assert!(md.contains("| two lines | – |"), "{md}");
    assert!(md.contains("| short |  |"), "{md}");
    // The numeric column is right-aligned, the text column not.
    assert!(md.contains("|---|---:|"), "{md}");
    // Every table line has the same number of unescaped separators.
    let seps = |l: &str| l.replace("\\|", "").matches('|').count();
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 5);
    assert!(table.iter().all(|l| seps(l) == 3), "{md}");
}

#[test]
fn images_link_relative_to_the_report() {
    let dir = TempDir::new("md");
    std::fs::create_dir_all(dir.join("figures")).unwrap();
    let mut r = Report::new("Run");
    r.heading("Figures")
        .image(dir.join("figures/learning curves.png"), "curves")
        .image("figures/confusion.png", "confusion [test]")
        .code("text", "a\nb")
        .list(&["one", "two"]);
    r.write(&dir.join("report.md")).unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.starts_with("# Run\n\n## Figures\n"), "{md}");
    assert!(
        md.contains("![curves](figures/learning%20curves.png)"),
        "{md}"
    );
    assert!(
        md.contains("![confusion \\[test\\]](figures/confusion.png)"),
        "{md}"
    );
    assert!(!md.contains(&dir.0.to_string_lossy().into_owned()));
    assert!(md.contains("```text\na\nb\n```\n"));
    assert!(md.contains("* one\n* two\n"));
    // Without a folder to be relative to, paths stay as given.
    assert!(r.to_string().contains("](figures/confusion.png)"));
}

#[test]
fn evaluation_and_summary_tables() {
    let names = vec!["N".to_string(), "A".to_string(), "O".to_string()];
    let folds: Vec<Evaluation> = [
        (vec![0, 0, 1, 2, 2], vec![0, 0, 1, 2, 1]),
        (vec![0, 1, 1, 2], vec![0, 1, 0, 2]),
    ]
    .iter()
    .map(|(t, p)| {
        let c = Confusion::from_pairs(3, t, p).unwrap();
        Evaluation::from_confusion(&c, &names, Some(&[0, 1, 2]))
    })
    .collect();
    let (h, rows) = evaluation_table(&folds[0]);
    assert_eq!(
        h,
        [
            "class",
            "support",
            "sensitivity",
            "specificity",
            "precision",
            "F1"
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][0], "O");
    assert_eq!(rows[2][1], "2");
    assert_eq!(rows[2][2], "0.500");

    let summary = Summary::of(&folds).unwrap();
    let (h, rows) = summary_table(&folds, &summary);
    assert_eq!(h[0], "fold");
    assert!(h.contains(&"subset F1".to_string()));
    assert!(h.contains(&"F1 O".to_string()));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "1");
    let last = rows.last().unwrap();
    assert_eq!(last[0], "mean ± sd");
    assert_eq!(last[1], "9");
    assert!(last[2].contains(" ± "));
    assert!(rows.iter().all(|r| r.len() == h.len()));
    let mut r = Report::new("");
    r.table(&h, &rows);
    assert!(r.to_markdown().contains("| mean ± sd | 9 |"));

    let (h, rows) = confusion_table(&names, &folds[0].confusion).unwrap();
    assert_eq!(h, ["truth \\ predicted", "N", "A", "O"]);
    assert_eq!(rows[0], ["N", "2", "0", "0"]);
}

// ------------------------------------------------------------------------------- proptest

fn epoch_strategy() -> impl Strategy<Value = (f64, f64, f64, f64, f64, Option<f64>, f64)> {
    (
        0.0..10.0f64,
        0.0..5.0f64,
        0.0..5.0f64,
        0.0..2.0f64,
        0.0..=1.0f64,
        proptest::option::of(-1.0..=1.0f64),
        prop_oneof![Just(0.0), 0.0..1e6f64],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any history of 1..40 epochs with finite values renders.
    #[test]
    fn any_finite_history_renders(
        rows in proptest::collection::vec(epoch_strategy(), 1..40),
        selected in proptest::option::of(0usize..40),
        png in any::<bool>(),
    ) {
        let h: Vec<EpochLog> = rows
            .iter()
            .enumerate()
            .map(|(i, &(loss, ce, cf, xai, acc, val, lr))| EpochLog {
                epoch: i + 1,
                lr,
                loss,
                ce,
                ce_features: cf,
                xai,
                xai_skipped: i,
                train_accuracy: acc,
                val_score: val,
                val_accuracy: val,
                seconds: 1.0,
            })
            .collect();
        let selected = selected.map(|s| s % h.len() + 1);
        let dir = TempDir::new("prop");
        let path = dir.join(if png { "c.png" } else { "c.svg" });
        let mut fig = LearningCurves::new("prop").with_run("run", &h, selected);
        fig.size = (800, 500);
        fig.render(&path).unwrap();
        prop_assert!(path.is_file());
        prop_assert_eq!(parse_epochs_csv(&epochs_csv(&h)).unwrap(), h);
    }
}
