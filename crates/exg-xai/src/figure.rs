//! The explanation figure: the ECG (mV against seconds) with its R-peaks, a saliency map as a
//! colour band behind the trace, and the attention target below it, as PNG or SVG.
//!
//! Text is drawn with the DejaVu Sans font embedded in this crate (registered with plotters'
//! `ab_glyph` backend): no system font and no fontconfig are needed. Files are written
//! atomically (a temporary file in the same folder, then a rename), so a reader never sees a
//! half-written figure.
//!
//! The primitives behind this are public so that other figures of the workspace (the training
//! run's learning curves and confusion matrix in `exg_train::report`) share one copy of the
//! font and one PNG writer: [`register_font`] (returns the family name to put in text styles),
//! [`ImageFormat::of`] (PNG or SVG by extension), [`encode_rgb_png`] and [`save_rgb_png`], and
//! [`save_svg`].
//!
//! Layout, top to bottom: a title (record, predicted class and its probability), a line with
//! every class probability, the ECG panel (black trace, red ▼ above each R-peak, saliency as a
//! white-to-red band with its colour bar on the right), and the attention panel (the target as a
//! blue area, the saliency as an orange line), on the same time axis.
//!
//! ```
//! use exg_signal::{Ecg, Hz, RPeaks};
//! use exg_xai::figure::{ExplainFigure, Prediction};
//!
//! let fs = Hz::new(250.0)?;
//! let x: Vec<f64> = (0..2500).map(|i| if i % 200 == 100 { 1.0 } else { 0.0 }).collect();
//! let ecg = Ecg::new(x, fs)?;
//! let peaks = RPeaks::new((100..2500).step_by(200).collect(), fs, 2500)?;
//! let map: Vec<f32> = (0..2500).map(|i| ((i % 200) as f32 / 200.0)).collect();
//! let mut fig = ExplainFigure::new(&ecg, "synthetic record");
//! fig.peaks = Some(&peaks);
//! fig.map = Some(&map);
//! fig.prediction = Some(Prediction::new("SR", vec![("SR".into(), 0.9), ("AFIB".into(), 0.1)])?);
//! let path = std::env::temp_dir().join(format!("exg-xai-doc-{}.svg", std::process::id()));
//! fig.render(&path)?;
//! assert!(std::fs::read_to_string(&path)?.contains("time (s)"));
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;
use std::sync::OnceLock;

use exg_signal::{Ecg, RPeaks};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::{Error, Result};

/// Family name under which [`register_font`] registers the embedded DejaVu Sans (see
/// `assets/LICENSE_DEJAVU`) with plotters; text styles name it, e.g. `(FONT_FAMILY, 16)`.
pub const FONT_FAMILY: &str = "sans-serif";
const FONT: &str = FONT_FAMILY;
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Default figure size in pixels (width, height): readable for records up to about 30 s.
pub const DEFAULT_SIZE: (u32, u32) = (1500, 640);

/// A classifier's answer, shown in the title.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Predicted class.
    pub class: String,
    /// Probability of each class, in the model's class order.
    pub probabilities: Vec<(String, f32)>,
}

impl Prediction {
    /// A prediction; every probability must be finite and in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::Input`] for a probability out of range.
    pub fn new(class: impl Into<String>, probabilities: Vec<(String, f32)>) -> Result<Self> {
        if let Some((c, p)) = probabilities.iter().find(|(_, p)| !(0.0..=1.0).contains(p)) {
            return Err(Error::Input(format!(
                "probability of class `{c}` is {p}, not in [0, 1]"
            )));
        }
        Ok(Self {
            class: class.into(),
            probabilities,
        })
    }

    /// Probability of the predicted class, when listed.
    fn probability(&self) -> Option<f32> {
        self.probabilities
            .iter()
            .find(|(c, _)| *c == self.class)
            .map(|(_, p)| *p)
    }
}

/// Everything drawn in one explanation figure. Build it with [`ExplainFigure::new`], set the
/// optional parts, then [`render`](Self::render).
#[derive(Clone, Debug)]
pub struct ExplainFigure<'a> {
    /// The lead drawn (samples in mV).
    pub ecg: &'a Ecg,
    /// R-peaks to mark.
    pub peaks: Option<&'a RPeaks>,
    /// Saliency map, one value per sample of `ecg`, drawn as a colour band (clamped to `[0, 1]`).
    pub map: Option<&'a [f32]>,
    /// Attention target, one value per sample of `ecg`, in `[0, 1]`.
    pub target: Option<&'a [f32]>,
    /// First title line (record name, lead...).
    pub title: String,
    /// The classifier's answer; adds the predicted class to the title and a probability line.
    pub prediction: Option<Prediction>,
    /// Time window to draw, in seconds from the record's start (`None`: the whole record).
    pub window_s: Option<(f64, f64)>,
    /// Size in pixels (width, height).
    pub size: (u32, u32),
}

impl<'a> ExplainFigure<'a> {
    /// A figure of `ecg` with `title` and nothing else yet, at [`DEFAULT_SIZE`].
    pub fn new(ecg: &'a Ecg, title: impl Into<String>) -> Self {
        Self {
            ecg,
            peaks: None,
            map: None,
            target: None,
            title: title.into(),
            prediction: None,
            window_s: None,
            size: DEFAULT_SIZE,
        }
    }

    /// Draws the figure to `path`: PNG or SVG by the extension (`.png`, `.svg`, any case).
    /// The folder must exist; the file is replaced atomically.
    ///
    /// # Errors
    /// [`Error::Input`] for another extension, a map, target or peak list that does not match
    /// the ECG, a non-finite value or an empty window; [`Error::Io`] when the file cannot be
    /// written; [`Error::Figure`] when drawing fails.
    pub fn render(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let format = ImageFormat::of(path)?;
        let range = self.sample_range()?;
        register_font()?;
        match format {
            ImageFormat::Png => {
                let (w, h) = self.size;
                let mut rgb = vec![0u8; 3 * w as usize * h as usize];
                {
                    let root = BitMapBackend::with_buffer(&mut rgb, self.size).into_drawing_area();
                    self.draw(&root, range)
                        .and_then(|()| root.present().map_err(figure_error))?;
                }
                save_rgb_png(path, w, h, &rgb)
            }
            ImageFormat::Svg => {
                let mut svg = String::new();
                {
                    let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
                    self.draw(&root, range)
                        .and_then(|()| root.present().map_err(figure_error))?;
                }
                save_svg(path, &svg)
            }
        }
    }

    /// Checks the inputs; the sample range to draw.
    fn sample_range(&self) -> Result<std::ops::Range<usize>> {
        let n = self.ecg.len();
        for (what, values) in [("saliency map", self.map), ("target", self.target)] {
            if let Some(v) = values {
                if v.len() != n {
                    return Err(Error::Input(format!(
                        "{what} has {} values, the ECG {n} samples",
                        v.len()
                    )));
                }
                if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                    return Err(Error::Input(format!(
                        "{what} value at sample {i} is not finite"
                    )));
                }
            }
        }
        if let Some(p) = self.peaks
            && (p.signal_len() != n || p.fs() != self.ecg.fs())
        {
            return Err(Error::Input(
                "the R-peaks were not found on this ECG (other rate or length)".into(),
            ));
        }
        if self.size.0 < 400 || self.size.1 < 300 {
            return Err(Error::Input(format!(
                "figure size {:?} is too small (at least 400 x 300)",
                self.size
            )));
        }
        let fs = self.ecg.fs();
        let (a, b) = match self.window_s {
            None => (0, n),
            Some((t0, t1)) if t0.is_finite() && t1.is_finite() && t0 >= 0.0 && t1 > t0 => {
                (fs.samples(t0).min(n), fs.samples(t1).min(n))
            }
            Some(w) => return Err(Error::Input(format!("invalid time window {w:?} s"))),
        };
        if b < a + 2 {
            return Err(Error::Input(
                "the time window holds fewer than 2 samples".into(),
            ));
        }
        Ok(a..b)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        range: std::ops::Range<usize>,
    ) -> Result<()> {
        root.fill(&WHITE).map_err(figure_error)?;
        let (w, h) = self.size;
        let header_h = if self.prediction.is_some() { 68 } else { 42 };
        let (header, body) = root.split_vertically(header_h);
        self.draw_header(&header)?;
        // A legend column on the right, so that no legend covers the data.
        let (plots, side) = body.split_horizontally(w - LEGEND_W);
        let with_lower = self.target.is_some() || self.map.is_some();
        let split = if with_lower {
            (h - header_h) * 62 / 100
        } else {
            h - header_h
        };
        let (upper, lower) = plots.split_vertically(split);
        let (side_upper, side_lower) = side.split_vertically(split);
        self.draw_ecg(&upper, range.clone())?;
        let mut entries = vec![(Mark::Line(BLACK), "ECG")];
        if self.peaks.is_some() {
            entries.push((Mark::Triangle(PEAK_COLOUR), "R-peak (detected)"));
        }
        let below = draw_legend(&side_upper, &entries)?;
        if self.map.is_some() {
            draw_colour_bar(&side_upper, below + 14)?;
        }
        if with_lower {
            self.draw_attention(&lower, range)?;
            let mut entries = Vec::new();
            if self.target.is_some() {
                entries.push((Mark::Patch(TARGET_COLOUR), "attention target"));
            }
            if self.map.is_some() {
                entries.push((Mark::Line(SALIENCY_LINE), "saliency map"));
            }
            draw_legend(&side_lower, &entries)?;
        }
        Ok(())
    }

    fn draw_header<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let mut title = self.title.clone();
        if let Some(p) = &self.prediction {
            title.push_str(&format!(" \u{2014} predicted: {}", p.class));
            if let Some(prob) = p.probability() {
                title.push_str(&format!(" (p = {prob:.2})"));
            }
        }
        let style = TextStyle::from((FONT, 22).into_font()).color(&BLACK);
        area.draw_text(&title, &style, (16, 10))
            .map_err(figure_error)?;
        if let Some(p) = &self.prediction {
            let line = p
                .probabilities
                .iter()
                .map(|(c, v)| format!("{c} {v:.2}"))
                .collect::<Vec<_>>()
                .join("    ");
            let style = TextStyle::from((FONT, 17).into_font()).color(&RGBColor(60, 60, 60));
            area.draw_text(&format!("class probabilities:   {line}"), &style, (16, 40))
                .map_err(figure_error)?;
        }
        Ok(())
    }

    fn draw_ecg<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        range: std::ops::Range<usize>,
    ) -> Result<()> {
        let fs = self.ecg.fs();
        let x = &self.ecg.samples()[range.clone()];
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let pad = ((hi - lo) * 0.1).max(0.1);
        // Headroom above the tallest R wave for its marker.
        let (y0, y1) = (lo - pad, hi + 2.0 * pad);
        let mut chart = time_chart(area, range.clone(), fs.get(), y0..y1)?;
        mesh(&mut chart, "amplitude (mV)")?;
        if let Some(map) = self.map {
            let bands = colour_runs(&map[range.clone()], range.start, fs.get(), area_width(area));
            chart
                .draw_series(bands.into_iter().map(|(a, b, v)| {
                    Rectangle::new([(a, y0), (b, y1)], saliency_colour(v).filled())
                }))
                .map_err(figure_error)?;
        }
        let trace = decimate(x, range.start, fs.get(), area_width(area));
        chart
            .draw_series(LineSeries::new(trace, BLACK.stroke_width(1)))
            .map_err(figure_error)?;
        if let Some(peaks) = self.peaks {
            let shown: Vec<(f64, f64)> = peaks
                .indices()
                .iter()
                .filter(|&&i| range.contains(&i))
                .map(|&i| (fs.seconds(i), self.ecg.samples()[i]))
                .collect();
            chart
                .draw_series(shown.into_iter().map(|c| {
                    EmptyElement::at(c)
                        + Polygon::new(vec![(-6, -18), (6, -18), (0, -7)], PEAK_COLOUR.filled())
                }))
                .map_err(figure_error)?;
        }
        Ok(())
    }

    fn draw_attention<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        range: std::ops::Range<usize>,
    ) -> Result<()> {
        let fs = self.ecg.fs();
        let mut chart = time_chart(area, range.clone(), fs.get(), 0.0..1.1)?;
        mesh(&mut chart, "attention (0\u{2013}1)")?;
        let width = area_width(area);
        if let Some(target) = self.target {
            let pts = decimate_f32(&target[range.clone()], range.start, fs.get(), width);
            let (t0, t1) = (fs.seconds(range.start), fs.seconds(range.end - 1));
            let mut outline = pts.clone();
            outline.extend([(t1, 0.0), (t0, 0.0)]);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    TARGET_COLOUR.mix(0.35).filled(),
                )))
                .map_err(figure_error)?;
            chart
                .draw_series(LineSeries::new(pts, TARGET_COLOUR.stroke_width(2)))
                .map_err(figure_error)?;
        }
        if let Some(map) = self.map {
            let pts: Vec<(f64, f64)> =
                decimate_f32(&map[range.clone()], range.start, fs.get(), width)
                    .into_iter()
                    .map(|(t, v)| (t, v.clamp(0.0, 1.0)))
                    .collect();
            chart
                .draw_series(LineSeries::new(pts, SALIENCY_LINE.stroke_width(2)))
                .map_err(figure_error)?;
        }
        Ok(())
    }
}

/// Width of the legend column (pixels).
const LEGEND_W: u32 = 230;
const PEAK_COLOUR: RGBColor = RGBColor(200, 0, 0);
const TARGET_COLOUR: RGBColor = RGBColor(49, 110, 190);
const SALIENCY_LINE: RGBColor = RGBColor(230, 110, 0);

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A panel with the shared time axis (same margins on both panels, so the axes align).
fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    range: std::ops::Range<usize>,
    fs: f64,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, DB>> {
    let (t0, t1) = (range.start as f64 / fs, (range.end - 1) as f64 / fs);
    ChartBuilder::on(area)
        .margin_left(12)
        .margin_right(12)
        .margin_top(6)
        .margin_bottom(4)
        .x_label_area_size(46)
        .y_label_area_size(74)
        .build_cartesian_2d(t0..t1, y)
        .map_err(figure_error)
}

/// Axes, grid and labels shared by both panels.
fn mesh<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, y_desc: &str) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(y_desc)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 17))
        .x_labels(12)
        .y_labels(6)
        .x_label_formatter(&|t| format!("{t:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(212, 212, 212))
        .draw()
        .map_err(figure_error)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Triangle(RGBColor),
    Patch(RGBColor),
}

/// Legend entries, top-down from the area's top-left corner; returns the y below the last.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Mark, &str)],
) -> Result<i32> {
    let text = TextStyle::from((FONT, 16).into_font()).color(&BLACK);
    let mut y = 22;
    for &(mark, label) in entries {
        let (x0, x1) = (8, 36);
        match mark {
            Mark::Line(c) => {
                area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))
            }
            Mark::Triangle(c) => area.draw(&Polygon::new(
                vec![(x0 + 8, y - 6), (x1 - 8, y - 6), (x0 + 14, y + 5)],
                c.filled(),
            )),
            Mark::Patch(c) => area.draw(&Rectangle::new(
                [(x0, y - 7), (x1, y + 7)],
                c.mix(0.5).filled(),
            )),
        }
        .map_err(figure_error)?;
        area.draw_text(label, &text, (x1 + 10, y - 9))
            .map_err(figure_error)?;
        y += 28;
    }
    Ok(y)
}

/// The saliency colour scale (white 0 to red 1) as a horizontal bar at height `top`.
fn draw_colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, top: i32) -> Result<()> {
    let text = TextStyle::from((FONT, 16).into_font()).color(&BLACK);
    area.draw_text("saliency (colour band)", &text, (8, top))
        .map_err(figure_error)?;
    let (x0, x1, y0, y1) = (10, 200, top + 24, top + 42);
    let steps = 64;
    for i in 0..steps {
        let (a, b) = (x0 + (x1 - x0) * i / steps, x0 + (x1 - x0) * (i + 1) / steps);
        let v = (f64::from(i) + 0.5) / f64::from(steps);
        area.draw(&Rectangle::new(
            [(a, y0), (b, y1)],
            saliency_colour(v).filled(),
        ))
        .map_err(figure_error)?;
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))
    .map_err(figure_error)?;
    let small = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
    for (label, x) in [("0", x0 - 4), ("0.5", (x0 + x1) / 2 - 10), ("1", x1 - 4)] {
        area.draw_text(label, &small, (x, y1 + 4))
            .map_err(figure_error)?;
    }
    Ok(())
}

/// White → yellow → orange → red, faded so that the black trace stays readable on it.
fn saliency_colour(v: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 4] = [
        (0.0, [255.0, 255.0, 255.0]),
        (0.35, [254.0, 230.0, 140.0]),
        (0.7, [250.0, 150.0, 70.0]),
        (1.0, [215.0, 48.0, 39.0]),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = STOPS.iter().position(|s| v <= s.0).unwrap_or(3).max(1);
    let ((a, ca), (b, cb)) = (STOPS[k - 1], STOPS[k]);
    let f = (v - a) / (b - a);
    let c = |i: usize| {
        let x = ca[i] + f * (cb[i] - ca[i]);
        // 25 % white wash.
        (0.75 * x + 0.25 * 255.0).round() as u8
    };
    RGBColor(c(0), c(1), c(2))
}

fn area_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> usize {
    area.dim_in_pixel().0 as usize
}

/// Runs of equal (quantised) saliency as `(t_start, t_end, value)`, at most about one bin per
/// pixel; each bin shows its maximum so narrow peaks are not lost.
fn colour_runs(map: &[f32], first: usize, fs: f64, width: usize) -> Vec<(f64, f64, f64)> {
    const LEVELS: f64 = 48.0;
    let bins = width.clamp(1, map.len());
    let mut runs: Vec<(f64, f64, f64)> = Vec::new();
    for b in 0..bins {
        let (i0, i1) = (
            b * map.len() / bins,
            ((b + 1) * map.len() / bins).max(b * map.len() / bins + 1),
        );
        let v = map[i0..i1.min(map.len())]
            .iter()
            .fold(0.0f32, |m, &x| m.max(x.clamp(0.0, 1.0)));
        let q = (f64::from(v) * LEVELS).round() / LEVELS;
        let (ta, tb) = ((first + i0) as f64 / fs, (first + i1) as f64 / fs);
        match runs.last_mut() {
            Some(last) if last.2 == q => last.1 = tb,
            _ => runs.push((ta, tb, q)),
        }
    }
    runs.retain(|r| r.2 > 0.0);
    runs
}

/// A trace as `(t, value)` points; with more than two samples per pixel, each pixel column
/// keeps its minimum and maximum in time order (the envelope is drawn exactly).
fn decimate(x: &[f64], first: usize, fs: f64, width: usize) -> Vec<(f64, f64)> {
    let t = |i: usize| (first + i) as f64 / fs;
    if x.len() <= 2 * width.max(1) {
        return x.iter().enumerate().map(|(i, &v)| (t(i), v)).collect();
    }
    let mut out = Vec::with_capacity(2 * width);
    for b in 0..width {
        let (i0, i1) = (b * x.len() / width, (b + 1) * x.len() / width);
        let seg = &x[i0..i1];
        let (imin, imax) = seg.iter().enumerate().fold((0, 0), |(a, b), (i, &v)| {
            (
                if v < seg[a] { i } else { a },
                if v > seg[b] { i } else { b },
            )
        });
        let (p, q) = (imin.min(imax), imin.max(imax));
        out.push((t(i0 + p), seg[p]));
        if q != p {
            out.push((t(i0 + q), seg[q]));
        }
    }
    out
}

fn decimate_f32(x: &[f32], first: usize, fs: f64, width: usize) -> Vec<(f64, f64)> {
    let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    decimate(&wide, first, fs, width)
}

fn figure_error(e: impl std::fmt::Display) -> Error {
    Error::Figure(e.to_string())
}

/// A figure file's format, chosen by the extension of its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// `.png` (any case): an 8-bit RGB bitmap.
    Png,
    /// `.svg` (any case): vector graphics with text as `<text>` elements.
    Svg,
}

impl ImageFormat {
    /// The format of `path` by its extension.
    ///
    /// ```
    /// use exg_xai::figure::ImageFormat;
    /// assert_eq!(ImageFormat::of("a/b.PNG".as_ref())?, ImageFormat::Png);
    /// assert_eq!(ImageFormat::of("b.svg".as_ref())?, ImageFormat::Svg);
    /// assert!(ImageFormat::of("b.pdf".as_ref()).is_err());
    /// # Ok::<(), exg_xai::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Input`] for any other extension, or none.
    pub fn of(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Self::Png),
            Some("svg") => Ok(Self::Svg),
            _ => Err(Error::Input(format!(
                "figure `{}`: the extension must be .png or .svg",
                path.display()
            ))),
        }
    }
}

/// Registers the embedded DejaVu Sans with plotters (once per process; later calls are free)
/// and returns its family name ([`FONT_FAMILY`]). Call it before drawing any text: without a
/// registered font, plotters' `ab_glyph` backend has no font at all.
///
/// ```
/// use plotters::prelude::*;
/// let family = exg_xai::figure::register_font()?;
/// let mut svg = String::new();
/// {
///     let root = SVGBackend::with_string(&mut svg, (200, 50)).into_drawing_area();
///     root.draw_text("hello", &TextStyle::from((family, 16).into_font()), (5, 5))
///         .map_err(|e| exg_xai::Error::Figure(e.to_string()))?;
/// }
/// assert!(svg.contains("hello"));
/// # Ok::<(), exg_xai::Error>(())
/// ```
///
/// # Errors
/// [`Error::Figure`] when the embedded font cannot be loaded (it always can: a build check).
pub fn register_font() -> Result<&'static str> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(FONT)
    } else {
        Err(Error::Figure(
            "the embedded font could not be loaded".into(),
        ))
    }
}

/// Encodes an 8-bit RGB buffer (`3 * width * height` bytes, rows top-down, as plotters'
/// `BitMapBackend::with_buffer` fills it) as a PNG at the best compression (figures are mostly
/// flat colour: about a third of the size of a fast-deflate PNG).
///
/// # Errors
/// [`Error::Input`] when the buffer's length does not match the size; [`Error::Figure`] when
/// encoding fails.
pub fn encode_rgb_png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    let expected = 3 * width as usize * height as usize;
    if rgb.len() != expected || expected == 0 {
        return Err(Error::Input(format!(
            "RGB buffer of {} bytes for a {width} x {height} image ({expected} expected, > 0)",
            rgb.len()
        )));
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = enc.write_header().map_err(figure_error)?;
        writer.write_image_data(rgb).map_err(figure_error)?;
        writer.finish().map_err(figure_error)?;
    }
    Ok(bytes)
}

/// [`encode_rgb_png`], then writes the PNG to `path` atomically (a temporary file in the same
/// folder, flushed, then renamed): a reader sees the old file or the new one, never half of one.
///
/// ```
/// let path = std::env::temp_dir().join(format!("exg-xai-png-doc-{}.png", std::process::id()));
/// let red = [255u8, 0, 0].repeat(4 * 3);
/// exg_xai::figure::save_rgb_png(&path, 4, 3, &red)?;
/// assert!(std::fs::read(&path)?.starts_with(b"\x89PNG"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`encode_rgb_png`]; [`Error::Io`] when the file cannot be written.
pub fn save_rgb_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<()> {
    write_file(path, &encode_rgb_png(width, height, rgb)?)
}

/// Writes an SVG document to `path` atomically (as [`save_rgb_png`]).
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
pub fn save_svg(path: &Path, svg: &str) -> Result<()> {
    write_file(path, svg.as_bytes())
}

/// The workspace's atomic write, with its I/O error as this crate's.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    exg_model::described::write_atomic(path, bytes).map_err(|e| match e {
        exg_model::Error::Io { path, source } => Error::Io { path, source },
        other => Error::Model(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_scale_ends() {
        // 0 is white; 1 is the washed red (0.75 * 215 + 64 = 225, ...).
        assert_eq!(saliency_colour(0.0), RGBColor(255, 255, 255));
        assert_eq!(saliency_colour(1.0), RGBColor(225, 100, 93));
        assert_eq!(saliency_colour(f64::NAN), RGBColor(255, 255, 255));
    }

    #[test]
    fn decimation_keeps_extremes() {
        // 10 000 samples into 100 columns: the single spike survives, at most 200 points.
        let mut x = vec![0.0; 10_000];
        x[5_555] = 3.0;
        let d = decimate(&x, 0, 1000.0, 100);
        assert!(d.len() <= 200);
        assert!(
            d.iter()
                .any(|&(t, v)| v == 3.0 && (t - 5.555).abs() < 1e-12)
        );
    }

    #[test]
    fn runs_merge_equal_bins() {
        // A step map: one run of 1.0 over the second half, the zero half dropped.
        let map: Vec<f32> = (0..1000)
            .map(|i| if i >= 500 { 1.0 } else { 0.0 })
            .collect();
        let r = colour_runs(&map, 0, 100.0, 100);
        assert_eq!(r, vec![(5.0, 10.0, 1.0)]);
    }
}
