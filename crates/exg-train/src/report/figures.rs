//! The run folder's figures: learning curves and the confusion matrix, as PNG or SVG.
//!
//! Text is drawn with exg-xai's embedded DejaVu Sans ([`exg_xai::figure::register_font`]), PNGs
//! are encoded by [`exg_xai::figure::encode_rgb_png`] at the best compression, and every file
//! is written atomically.

use std::path::Path;

use exg_xai::figure::{ImageFormat, encode_rgb_png, register_font};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::cv::Evaluation;
use crate::trainer::{EpochLog, FitOutcome};
use crate::{Error, Result};

/// Default size of [`LearningCurves`] in pixels (width, height).
pub const LEARNING_CURVES_SIZE: (u32, u32) = (1500, 900);

/// Smallest and largest figure sides accepted (pixels).
const MIN_SIDE: (u32, u32) = (600, 400);
const MAX_SIDE: u32 = 8000;

/// Run colours (matplotlib's tab10, which stays distinguishable for ten folds).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const GREY: RGBColor = RGBColor(90, 90, 90);

fn figure_error(e: impl std::fmt::Display) -> Error {
    Error::Figure(e.to_string())
}

/// What [`render`] needs of a figure.
trait Figure {
    /// Checks the inputs and returns the size to draw at (the font is registered).
    fn prepare(&self, font: &'static str) -> Result<(u32, u32)>;
    /// Draws onto a white-filled `root` of that size.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        font: &'static str,
    ) -> Result<()>;
}

/// Draws `fig` as PNG or SVG (by `path`'s extension) and writes it atomically.
fn render(fig: &impl Figure, path: &Path) -> Result<()> {
    let format = ImageFormat::of(path)?;
    let font = register_font()?;
    let (w, h) = fig.prepare(font)?;
    if w < MIN_SIDE.0 || h < MIN_SIDE.1 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(Error::Input(format!(
            "figure size {w} x {h}: each side must lie in {}..={MAX_SIDE} x {}..={MAX_SIDE}",
            MIN_SIDE.0, MIN_SIDE.1
        )));
    }
    let bytes = match format {
        ImageFormat::Png => {
            let mut rgb = vec![255u8; 3 * w as usize * h as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(figure_error)?;
                fig.draw(&root, font)?;
                root.present().map_err(figure_error)?;
            }
            encode_rgb_png(w, h, &rgb)?
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(figure_error)?;
                fig.draw(&root, font)?;
                root.present().map_err(figure_error)?;
            }
            svg.into_bytes()
        }
    };
    super::write_file(path, &bytes)
}

fn text(font: &'static str, size: u32, colour: &RGBColor) -> TextStyle<'static> {
    TextStyle {
        color: colour.to_backend_color(),
        ..TextStyle::from((font, size).into_font())
    }
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

// ---------------------------------------------------------------------------------------------
// Learning curves

/// Learning curves of one run or of several (the folds of a study), in one figure.
///
/// Six cells on a 3 × 2 grid: total loss, cross-entropy of the signal head, cross-entropy of
/// the feature head, the XAI term `1 − NCC`, training accuracy (solid) with the validation score
/// (dashed), and a legend. Each run has its colour; a selected epoch is marked in every panel
/// by a dashed vertical line and a dot on the curves. A term that is all zeros (its λ is 0) is
/// labelled "off". Non-finite values are left out of the lines (gaps), never drawn.
///
/// ```
/// use exg_train::report::LearningCurves;
/// use exg_train::trainer::EpochLog;
/// let history: Vec<EpochLog> = (1..=5)
///     .map(|epoch| EpochLog {
///         epoch,
///         lr: 1e-3,
///         loss: 2.0 / epoch as f64,
///         ce: 1.0 / epoch as f64,
///         ce_features: 0.8 / epoch as f64,
///         xai: 0.5,
///         xai_skipped: 0,
///         train_accuracy: 0.5 + 0.08 * epoch as f64,
///         val_score: Some(0.4 + 0.1 * epoch as f64),
///         val_accuracy: Some(0.45 + 0.1 * epoch as f64),
///         seconds: 1.0,
///     })
///     .collect();
/// let dir = std::env::temp_dir().join(format!("exg-curves-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// LearningCurves::new("fold 1").with_run("fold 1", &history, Some(4)).render(&dir.join("curves.svg"))?;
/// assert!(std::fs::read_to_string(dir.join("curves.svg"))?.contains("total loss"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct LearningCurves<'a> {
    /// Title line of the figure.
    pub title: String,
    /// The runs drawn: a name (legend) and its per-epoch history.
    pub runs: Vec<(String, &'a [EpochLog])>,
    /// Selected epoch of each run, in the order of `runs` (`None` or a missing entry: not
    /// marked). Each must be an epoch of its run's history.
    pub selected: Vec<Option<usize>>,
    /// Size in pixels (width, height); at least 600 × 400.
    pub size: (u32, u32),
}

impl<'a> LearningCurves<'a> {
    /// A figure with `title`, no run yet, at [`LEARNING_CURVES_SIZE`].
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            runs: Vec::new(),
            selected: Vec::new(),
            size: LEARNING_CURVES_SIZE,
        }
    }

    /// Adds a run and its selected epoch (`None`: not marked).
    #[must_use]
    pub fn with_run(
        mut self,
        name: impl Into<String>,
        history: &'a [EpochLog],
        selected: Option<usize>,
    ) -> Self {
        self.selected.resize(self.runs.len(), None);
        self.runs.push((name.into(), history));
        self.selected.push(selected);
        self
    }

    /// The curves of one [`fit`](crate::trainer::fit) result, its selected epoch marked.
    pub fn of_outcome(title: impl Into<String>, outcome: &'a FitOutcome) -> Self {
        Self::new(title).with_run("run", &outcome.history, Some(outcome.selected_epoch))
    }

    /// Draws the figure to `path`: PNG or SVG by the extension (any case). The folder must
    /// exist; the file is replaced atomically.
    ///
    /// # Errors
    /// [`Error::Input`] for another extension, no run, a run without epochs, more selected
    /// epochs than runs, a selected epoch missing from its run, or a size out of range;
    /// [`Error::Io`] when the file cannot be written; [`Error::Figure`] when drawing fails.
    pub fn render(&self, path: &Path) -> Result<()> {
        render(self, path)
    }

    fn selected_of(&self, run: usize) -> Option<usize> {
        self.selected.get(run).copied().flatten()
    }

    fn epoch_range(&self) -> (f64, f64) {
        let epochs = self
            .runs
            .iter()
            .flat_map(|(_, h)| h.iter().map(|e| e.epoch));
        let (lo, hi) = epochs.fold((usize::MAX, 0), |(a, b), e| (a.min(e), b.max(e)));
        (lo as f64 - 0.5, hi as f64 + 0.5)
    }
}

/// One panel of the learning curves.
struct Panel {
    caption: &'static str,
    solid: fn(&EpochLog) -> Option<f64>,
    dashed: Option<fn(&EpochLog) -> Option<f64>>,
    /// A [0, 1] figure (the axis spans at least 0..1).
    unit: bool,
}

const PANELS: [Panel; 5] = [
    Panel {
        caption: "total loss",
        solid: |e| Some(e.loss),
        dashed: None,
        unit: false,
    },
    Panel {
        caption: "cross-entropy, signal head",
        solid: |e| Some(e.ce),
        dashed: None,
        unit: false,
    },
    Panel {
        caption: "cross-entropy, feature head",
        solid: |e| Some(e.ce_features),
        dashed: None,
        unit: false,
    },
    Panel {
        caption: "XAI term 1 \u{2212} NCC",
        solid: |e| Some(e.xai),
        dashed: None,
        unit: false,
    },
    Panel {
        caption: "train accuracy (solid), validation score (dashed)",
        solid: |e| Some(e.train_accuracy),
        dashed: Some(|e| e.val_score),
        unit: true,
    },
];

/// Values beyond this magnitude are drawn at it (keeps the axis arithmetic finite).
const CLAMP: f64 = 1e12;

/// The finite points of `value` over `history`, split at gaps (non-finite or missing values).
fn segments(history: &[EpochLog], value: fn(&EpochLog) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for e in history {
        match value(e).filter(|v| v.is_finite()) {
            Some(v) => out
                .last_mut()
                .map_or((), |s| s.push((e.epoch as f64, v.clamp(-CLAMP, CLAMP)))),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Decimals that resolve a fifth of `span`.
fn decimals(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    (-(span / 5.0).log10().floor()).clamp(0.0, 6.0) as usize
}

fn axis_label(v: f64, decimals: usize) -> String {
    if v.abs() >= 1e5 {
        format!("{v:.2e}")
    } else {
        format!("{v:.decimals$}")
    }
}

impl Figure for LearningCurves<'_> {
    fn prepare(&self, _font: &'static str) -> Result<(u32, u32)> {
        if self.runs.is_empty() {
            return Err(Error::Input("learning curves: no run to draw".into()));
        }
        if let Some((name, _)) = self.runs.iter().find(|(_, h)| h.is_empty()) {
            return Err(Error::Input(format!(
                "learning curves: run `{name}` has no epochs"
            )));
        }
        if self.selected.len() > self.runs.len() {
            return Err(Error::Input(format!(
                "learning curves: {} selected epochs for {} runs",
                self.selected.len(),
                self.runs.len()
            )));
        }
        for (i, (name, history)) in self.runs.iter().enumerate() {
            if let Some(s) = self.selected_of(i)
                && !history.iter().any(|e| e.epoch == s)
            {
                return Err(Error::Input(format!(
                    "learning curves: selected epoch {s} is not in run `{name}`"
                )));
            }
        }
        Ok(self.size)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        font: &'static str,
    ) -> Result<()> {
        let (header, body) = root.split_vertically(52);
        header
            .draw_text(&self.title, &text(font, 24, &BLACK), (18, 14))
            .map_err(figure_error)?;
        let cells = body.split_evenly((2, 3));
        for (panel, area) in PANELS.iter().zip(&cells) {
            self.draw_panel(area, font, panel)?;
        }
        self.draw_legend(&cells[5], font)
    }
}

impl LearningCurves<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        font: &'static str,
        panel: &Panel,
    ) -> Result<()> {
        let solid: Vec<Vec<Vec<(f64, f64)>>> = self
            .runs
            .iter()
            .map(|(_, h)| segments(h, panel.solid))
            .collect();
        let dashed: Vec<Vec<Vec<(f64, f64)>>> = self
            .runs
            .iter()
            .map(|(_, h)| panel.dashed.map_or_else(Vec::new, |f| segments(h, f)))
            .collect();
        let ys = || {
            solid
                .iter()
                .chain(&dashed)
                .flatten()
                .flatten()
                .map(|&(_, y)| y)
        };
        let (lo, hi) = ys().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
        let all_zero = ys().all(|y| y == 0.0) && ys().next().is_some();
        let (y0, y1) = if panel.unit {
            (
                lo.min(0.0),
                hi.max(1.0) + 0.03 * (hi.max(1.0) - lo.min(0.0)),
            )
        } else if all_zero {
            (0.0, 1.0)
        } else {
            let span = hi - lo;
            let pad = if span > 0.0 {
                0.08 * span
            } else {
                0.1 * hi.abs()
            };
            let y0 = if lo >= 0.0 {
                (lo - pad).max(0.0)
            } else {
                lo - pad
            };
            (y0, hi + pad)
        };
        let digits = decimals(y1 - y0);
        let (x0, x1) = self.epoch_range();
        let caption = if all_zero {
            format!("{} \u{2014} off (all 0)", panel.caption)
        } else {
            panel.caption.to_string()
        };
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .caption(caption, (font, 18))
            .x_label_area_size(42)
            .y_label_area_size(68)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(figure_error)?;
        let x_labels = ((x1 - x0).round() as usize).clamp(2, 12);
        let x_fmt = |t: &f64| {
            if (t - t.round()).abs() < 1e-6 {
                format!("{}", t.round() as i64)
            } else {
                String::new()
            }
        };
        let y_fmt = |v: &f64| axis_label(*v, digits);
        chart
            .configure_mesh()
            .x_desc("epoch")
            .label_style((font, 14))
            .axis_desc_style((font, 15))
            .x_labels(x_labels)
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .max_light_lines(4)
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(figure_error)?;
        for (i, (_, history)) in self.runs.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let markers = history.len() <= 15;
            if let Some(s) = self.selected_of(i) {
                let s = s as f64;
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(s, y0), (s, y1)],
                        5,
                        5,
                        colour.mix(0.55).stroke_width(1),
                    ))
                    .map_err(figure_error)?;
            }
            for seg in &solid[i] {
                chart
                    .draw_series(LineSeries::new(seg.clone(), colour.stroke_width(2)))
                    .map_err(figure_error)?;
                if markers || seg.len() == 1 {
                    chart
                        .draw_series(seg.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                        .map_err(figure_error)?;
                }
            }
            for seg in &dashed[i] {
                chart
                    .draw_series(DashedLineSeries::new(
                        seg.clone(),
                        8,
                        5,
                        colour.stroke_width(2),
                    ))
                    .map_err(figure_error)?;
                if markers || seg.len() == 1 {
                    chart
                        .draw_series(
                            seg.iter()
                                .map(|&p| Circle::new(p, 3, colour.stroke_width(2))),
                        )
                        .map_err(figure_error)?;
                }
            }
            if let Some(s) = self.selected_of(i) {
                let at = solid[i]
                    .iter()
                    .chain(&dashed[i])
                    .flatten()
                    .filter(|p| p.0 == s as f64)
                    .copied()
                    .collect::<Vec<_>>();
                chart
                    .draw_series(at.into_iter().map(|p| {
                        EmptyElement::at(p)
                            + Circle::new((0, 0), 6, colour.filled())
                            + Circle::new((0, 0), 6, BLACK.stroke_width(1))
                    }))
                    .map_err(figure_error)?;
            }
        }
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        font: &'static str,
    ) -> Result<()> {
        let (_, h) = area.dim_in_pixel();
        let (x0, x1, tx) = (24, 64, 76);
        let mut y = 34;
        area.draw_text("legend", &text(font, 18, &BLACK), (x0, y - 22))
            .map_err(figure_error)?;
        y += 6;
        // Rows available for the runs, keeping four for the line styles.
        let row_h = 26;
        let capacity = ((h as i32 - y - 4 * row_h - 10) / row_h).max(1) as usize;
        let shown = if self.runs.len() > capacity {
            capacity - 1
        } else {
            self.runs.len()
        };
        let body = text(font, 16, &BLACK);
        for (i, (name, history)) in self.runs.iter().enumerate().take(shown) {
            let colour = PALETTE[i % PALETTE.len()];
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                colour.stroke_width(3),
            ))
            .map_err(figure_error)?;
            let last = history.iter().map(|e| e.epoch).max().unwrap_or(0);
            let label = match self.selected_of(i) {
                Some(s) => format!("{name}: {last} epochs, selected {s}"),
                None => format!("{name}: {last} epochs"),
            };
            area.draw_text(&label, &body, (tx, y - 9))
                .map_err(figure_error)?;
            y += row_h;
        }
        if shown < self.runs.len() {
            area.draw_text(
                &format!("\u{2026} and {} more runs", self.runs.len() - shown),
                &body,
                (tx, y - 9),
            )
            .map_err(figure_error)?;
            y += row_h;
        }
        y += 10;
        let style = text(font, 15, &GREY);
        area.draw(&PathElement::new(
            vec![(x0, y), (x1, y)],
            GREY.stroke_width(2),
        ))
        .map_err(figure_error)?;
        area.draw_text("solid: training figures", &style, (tx, y - 8))
            .map_err(figure_error)?;
        y += row_h;
        for k in 0..3 {
            let a = x0 + 14 * k;
            area.draw(&PathElement::new(
                vec![(a, y), (a + 8, y)],
                GREY.stroke_width(2),
            ))
            .map_err(figure_error)?;
        }
        area.draw_text("dashed: validation score", &style, (tx, y - 8))
            .map_err(figure_error)?;
        y += row_h;
        area.draw(&(EmptyElement::at(((x0 + x1) / 2, y)) + Circle::new((0, 0), 6, GREY.filled())))
            .map_err(figure_error)?;
        area.draw_text(
            "dot, dashed vertical: selected epoch (the model kept)",
            &style,
            (tx, y - 8),
        )
        .map_err(figure_error)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix

/// A confusion matrix as a figure: rows are true classes, columns predictions; each cell shows
/// its count and its share of the row, shaded by that share (white 0 to dark blue 1); the row
/// labels carry each class's sensitivity and support; a colour bar and a footer (total,
/// accuracy) explain the shading.
///
/// ```
/// use exg_train::report::ConfusionFigure;
/// let classes = vec!["SR".to_string(), "AFIB".to_string()];
/// let confusion = vec![vec![9, 1], vec![2, 8]];
/// let path = std::env::temp_dir().join(format!("exg-confusion-doc-{}.svg", std::process::id()));
/// ConfusionFigure::new("test records", &classes, &confusion).render(&path)?;
/// assert!(std::fs::read_to_string(&path)?.contains("AFIB"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConfusionFigure<'a> {
    /// Title line of the figure.
    pub title: String,
    /// Class names, in index order.
    pub classes: &'a [String],
    /// `classes.len()` rows (truth) of `classes.len()` counts (prediction).
    pub confusion: &'a [Vec<u64>],
    /// Size in pixels (width, height); `None`: fitted to the class names and count (cells of
    /// 64 to 160 pixels).
    pub size: Option<(u32, u32)>,
}

/// Most classes a confusion figure draws.
const MAX_CLASSES: usize = 64;

/// Pixel layout of a confusion figure.
#[derive(Clone, Copy, Debug)]
struct Grid {
    left: i32,
    top: i32,
    cell: i32,
    size: (u32, u32),
}

const TITLE_H: i32 = 56;
const COLS_H: i32 = 62;
const BAR_W: i32 = 140;
const FOOTER_H: i32 = 56;

impl<'a> ConfusionFigure<'a> {
    /// A figure of `confusion` over `classes`, sized to fit.
    pub fn new(title: impl Into<String>, classes: &'a [String], confusion: &'a [Vec<u64>]) -> Self {
        Self {
            title: title.into(),
            classes,
            confusion,
            size: None,
        }
    }

    /// The confusion matrix of an [`Evaluation`].
    pub fn of_evaluation(title: impl Into<String>, e: &'a Evaluation) -> Self {
        Self::new(title, &e.classes, &e.confusion)
    }

    /// Draws the figure to `path`: PNG or SVG by the extension (any case). The folder must
    /// exist; the file is replaced atomically.
    ///
    /// # Errors
    /// [`Error::Input`] for another extension, no class, a matrix that is not
    /// `classes.len()` square, more than 64 classes, or a size too small for the classes;
    /// [`Error::Io`] when the file cannot be written; [`Error::Figure`] when drawing fails.
    pub fn render(&self, path: &Path) -> Result<()> {
        render(self, path)
    }

    fn row_sum(&self, r: usize) -> u64 {
        self.confusion[r].iter().sum()
    }

    /// Row label lines: the class name and `Se 0.83, n 12`.
    fn row_labels(&self, r: usize) -> (String, String) {
        let n = self.row_sum(r);
        let se = if n > 0 {
            format!("Se {:.2}", self.confusion[r][r] as f64 / n as f64)
        } else {
            "Se \u{2013}".to_string()
        };
        (self.classes[r].clone(), format!("{se}, n {n}"))
    }

    fn grid(&self, font: &'static str) -> Result<Grid> {
        let k = self.classes.len() as i32;
        let width = |size: u32, s: &str| -> Result<i32> {
            let (w, _) = (font, size).into_font().box_size(s).map_err(figure_error)?;
            Ok(w as i32)
        };
        let mut label_w = width(15, "true class")?;
        for r in 0..self.classes.len() {
            let (a, b) = self.row_labels(r);
            label_w = label_w.max(width(17, &a)?).max(width(13, &b)?);
        }
        let left = 20 + label_w + 16;
        let top = TITLE_H + COLS_H;
        let fixed_w = left + BAR_W;
        let fixed_h = top + FOOTER_H;
        match self.size {
            Some((w, h)) => {
                let cell = ((w as i32 - fixed_w) / k).min((h as i32 - fixed_h) / k);
                if cell < 28 {
                    return Err(Error::Input(format!(
                        "confusion figure: {w} x {h} pixels is too small for {k} classes"
                    )));
                }
                Ok(Grid {
                    left,
                    top,
                    cell,
                    size: (w, h),
                })
            }
            None => {
                let mut cell = 64;
                for (j, name) in self.classes.iter().enumerate() {
                    let max = self.confusion.iter().map(|row| row[j]).max().unwrap_or(0);
                    cell = cell
                        .max(width(15, name)? + 14)
                        .max(width(18, &max.to_string())? + 14);
                }
                let cell = cell.min(160);
                let w = (left + k * cell + BAR_W)
                    .max(width(22, &self.title)? + 40)
                    .max(width(14, &self.footer())? + 40)
                    .max(MIN_SIDE.0 as i32);
                let h = (top + k * cell + FOOTER_H).max(MIN_SIDE.1 as i32);
                Ok(Grid {
                    left,
                    top,
                    cell,
                    size: (w as u32, h as u32),
                })
            }
        }
    }

    fn footer(&self) -> String {
        let total: u64 = self.confusion.iter().flatten().sum();
        let correct: u64 = (0..self.classes.len()).map(|i| self.confusion[i][i]).sum();
        let acc = if total > 0 {
            format!("{:.3}", correct as f64 / total as f64)
        } else {
            "\u{2013}".to_string()
        };
        format!(
            "rows: true class (Se: sensitivity, n: records), columns: predicted class; \
             shading: share of the row. Total {total}, accuracy {acc}."
        )
    }
}

/// White to dark blue (ColorBrewer's Blues).
fn share_colour(v: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [247.0, 251.0, 255.0]),
        (0.25, [198.0, 219.0, 239.0]),
        (0.5, [107.0, 174.0, 214.0]),
        (0.75, [33.0, 113.0, 181.0]),
        (1.0, [8.0, 48.0, 107.0]),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = STOPS.iter().position(|s| v <= s.0).unwrap_or(4).max(1);
    let ((a, ca), (b, cb)) = (STOPS[k - 1], STOPS[k]);
    let f = (v - a) / (b - a);
    let c = |i: usize| (ca[i] + f * (cb[i] - ca[i])).round() as u8;
    RGBColor(c(0), c(1), c(2))
}

impl Figure for ConfusionFigure<'_> {
    fn prepare(&self, font: &'static str) -> Result<(u32, u32)> {
        super::check_square(self.classes, self.confusion)?;
        if self.classes.len() > MAX_CLASSES {
            return Err(Error::Input(format!(
                "confusion figure: {} classes, at most {MAX_CLASSES} are drawn",
                self.classes.len()
            )));
        }
        Ok(self.grid(font)?.size)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        font: &'static str,
    ) -> Result<()> {
        let g = self.grid(font)?;
        let k = self.classes.len() as i32;
        let (left, top, cell) = (g.left, g.top, g.cell);
        let right = left + k * cell;
        let bottom = top + k * cell;
        let centre = |i: i32| left + i * cell + cell / 2;
        root.draw_text(&self.title, &text(font, 22, &BLACK), (20, 16))
            .map_err(figure_error)?;
        root.draw_text(
            "predicted class \u{2192}",
            &anchored(text(font, 16, &GREY), HPos::Center, VPos::Center),
            ((left + right) / 2, TITLE_H + 12),
        )
        .map_err(figure_error)?;
        root.draw_text(
            "true class \u{2193}",
            &anchored(text(font, 15, &GREY), HPos::Right, VPos::Center),
            (left - 14, top - 18),
        )
        .map_err(figure_error)?;
        let col_style = anchored(text(font, 15, &BLACK), HPos::Center, VPos::Center);
        for (j, name) in self.classes.iter().enumerate() {
            root.draw_text(name, &col_style, (centre(j as i32), top - 18))
                .map_err(figure_error)?;
        }
        let two_lines = cell >= 44;
        for r in 0..self.classes.len() {
            let row_sum = self.row_sum(r);
            let y_mid = top + r as i32 * cell + cell / 2;
            let (name, stats) = self.row_labels(r);
            if two_lines {
                root.draw_text(
                    &name,
                    &anchored(text(font, 17, &BLACK), HPos::Right, VPos::Center),
                    (left - 14, y_mid - 10),
                )
                .map_err(figure_error)?;
                root.draw_text(
                    &stats,
                    &anchored(text(font, 13, &GREY), HPos::Right, VPos::Center),
                    (left - 14, y_mid + 11),
                )
                .map_err(figure_error)?;
            } else {
                root.draw_text(
                    &format!("{name}  {stats}"),
                    &anchored(text(font, 13, &BLACK), HPos::Right, VPos::Center),
                    (left - 14, y_mid),
                )
                .map_err(figure_error)?;
            }
            for (j, &count) in self.confusion[r].iter().enumerate() {
                let share = if row_sum > 0 {
                    count as f64 / row_sum as f64
                } else {
                    0.0
                };
                let (x0, y0) = (left + j as i32 * cell, top + r as i32 * cell);
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    share_colour(share).filled(),
                ))
                .map_err(figure_error)?;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    RGBColor(200, 200, 200).stroke_width(1),
                ))
                .map_err(figure_error)?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                let x_mid = x0 + cell / 2;
                let with_share = two_lines && row_sum > 0;
                root.draw_text(
                    &count.to_string(),
                    &anchored(text(font, 18, &ink), HPos::Center, VPos::Center),
                    (x_mid, if with_share { y_mid - 9 } else { y_mid }),
                )
                .map_err(figure_error)?;
                if with_share {
                    root.draw_text(
                        &format!("{:.0}%", 100.0 * share),
                        &anchored(text(font, 13, &ink), HPos::Center, VPos::Center),
                        (x_mid, y_mid + 12),
                    )
                    .map_err(figure_error)?;
                }
            }
        }
        // Diagonal outline: the correct predictions.
        for i in 0..k {
            let (x0, y0) = (left + i * cell, top + i * cell);
            root.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell, y0 + cell)],
                RGBColor(40, 40, 40).stroke_width(2),
            ))
            .map_err(figure_error)?;
        }
        // Colour bar.
        let (bx0, bx1) = (right + 28, right + 48);
        root.draw_text(
            "row share",
            &anchored(text(font, 14, &GREY), HPos::Left, VPos::Center),
            (bx0 - 6, top - 18),
        )
        .map_err(figure_error)?;
        let steps = 64;
        for s in 0..steps {
            let ya = top + (bottom - top) * s / steps;
            let yb = top + (bottom - top) * (s + 1) / steps;
            let v = 1.0 - (f64::from(s) + 0.5) / f64::from(steps);
            root.draw(&Rectangle::new(
                [(bx0, ya), (bx1, yb)],
                share_colour(v).filled(),
            ))
            .map_err(figure_error)?;
        }
        root.draw(&Rectangle::new(
            [(bx0, top), (bx1, bottom)],
            RGBColor(120, 120, 120).stroke_width(1),
        ))
        .map_err(figure_error)?;
        let tick = anchored(text(font, 13, &BLACK), HPos::Left, VPos::Center);
        for (label, y) in [("100%", top), ("50%", (top + bottom) / 2), ("0%", bottom)] {
            root.draw_text(label, &tick, (bx1 + 6, y))
                .map_err(figure_error)?;
        }
        root.draw_text(&self.footer(), &text(font, 14, &GREY), (20, bottom + 20))
            .map_err(figure_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shading_ends() {
        assert_eq!(share_colour(0.0), RGBColor(247, 251, 255));
        assert_eq!(share_colour(1.0), RGBColor(8, 48, 107));
        assert_eq!(share_colour(f64::NAN), share_colour(0.0));
    }

    #[test]
    fn gaps_split_segments() {
        let e = |epoch, v: Option<f64>| EpochLog {
            epoch,
            lr: 0.0,
            loss: 0.0,
            ce: 0.0,
            ce_features: 0.0,
            xai: 0.0,
            xai_skipped: 0,
            train_accuracy: 0.0,
            val_score: v,
            val_accuracy: None,
            seconds: 0.0,
        };
        let h = [
            e(1, Some(0.1)),
            e(2, None),
            e(3, Some(f64::NAN)),
            e(4, Some(0.4)),
            e(5, Some(0.5)),
        ];
        let s = segments(&h, |e| e.val_score);
        assert_eq!(s, vec![vec![(1.0, 0.1)], vec![(4.0, 0.4), (5.0, 0.5)]]);
    }

    #[test]
    fn label_decimals() {
        assert_eq!(decimals(2.0), 1);
        assert_eq!(decimals(0.05), 2);
        assert_eq!(decimals(500.0), 0);
        assert_eq!(decimals(0.0), 2);
    }
}
