//! `report.md`: a small markdown builder and the tables of an evaluation and of a k-fold
//! summary.

use std::fmt::Write as _;
use std::path::{Component, Path};

use crate::Result;
use crate::cv::{Evaluation, Summary};
use crate::metrics::MeanSd;

/// A markdown document built block by block: a `#` title, then headings, paragraphs, lists,
/// tables, images and code blocks in the order they are added.
///
/// Table cells are escaped (`|`, line breaks) and image paths are written relative to the
/// report's folder, so the run folder can be moved or published as a whole.
///
/// ```
/// use exg_train::report::Report;
/// let mut r = Report::new("Run 3");
/// r.heading("Results")
///     .paragraph("Held-out accuracy 0.91.")
///     .table(&["class", "F1"], &[vec!["A|B".into(), "0.900".into()]])
///     .image("figures/confusion.png", "confusion matrix")
///     .code("json", "{\"epochs\": 30}");
/// let md = r.to_markdown();
/// assert!(md.starts_with("# Run 3\n"));
/// assert!(md.contains("| A\\|B | 0.900 |"));
/// assert!(md.contains("![confusion matrix](figures/confusion.png)"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The document title (the `#` heading); no title line when empty.
    pub title: String,
    blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
enum Block {
    Heading(usize, String),
    Paragraph(String),
    List(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
    Image(String, String),
    Code(String, String),
}

impl Report {
    /// An empty report with `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// A section heading (`##`).
    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.subheading(2, text)
    }

    /// A heading of `level` (clamped to 2..=6; level 1 is the title).
    pub fn subheading(&mut self, level: usize, text: impl Into<String>) -> &mut Self {
        let text = one_line(&text.into());
        self.blocks.push(Block::Heading(level.clamp(2, 6), text));
        self
    }

    /// A paragraph of markdown text, written as given.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// A bullet list, one item a line (markdown allowed in items; line breaks become spaces).
    pub fn list<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        let items = items.iter().map(|i| one_line(i.as_ref())).collect();
        self.blocks.push(Block::List(items));
        self
    }

    /// A table. Cells are plain text: `|` is escaped and line breaks become spaces. A row
    /// shorter than the header is padded with empty cells; the table is as wide as its widest
    /// row. Columns whose cells are all numbers (or `–` / empty) are right-aligned.
    pub fn table<H: AsRef<str>>(&mut self, headers: &[H], rows: &[Vec<String>]) -> &mut Self {
        let headers = headers.iter().map(|h| h.as_ref().to_string()).collect();
        self.blocks.push(Block::Table(headers, rows.to_vec()));
        self
    }

    /// An image, `path` relative to the report's folder (`figures/curves.png`). When the
    /// report is [written](Self::write), an absolute path inside the report's folder is made
    /// relative to it; separators are written as `/`.
    pub fn image(&mut self, path: impl AsRef<Path>, alt: impl Into<String>) -> &mut Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.blocks.push(Block::Image(path, alt.into()));
        self
    }

    /// A fenced code block; `lang` may be empty. The fence is longer than any run of
    /// backticks in `text`.
    pub fn code(&mut self, lang: impl Into<String>, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Code(lang.into(), text.into()));
        self
    }

    /// The document, with image paths as given.
    pub fn to_markdown(&self) -> String {
        self.render(None)
    }

    /// Writes the document to `path` atomically (temporary file, flush, rename); image paths
    /// that lie inside `path`'s folder are written relative to it.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) when the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let base = path.parent().filter(|p| !p.as_os_str().is_empty());
        super::write_file(path, self.render(base).as_bytes())
    }

    fn render(&self, base: Option<&Path>) -> String {
        let mut md = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(md, "# {}", one_line(&self.title));
        }
        for block in &self.blocks {
            if !md.is_empty() {
                md.push('\n');
            }
            match block {
                Block::Heading(level, text) => {
                    let _ = writeln!(md, "{} {text}", "#".repeat(*level));
                }
                Block::Paragraph(text) => {
                    md.push_str(text.trim_end());
                    md.push('\n');
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(md, "* {item}");
                    }
                }
                Block::Table(headers, rows) => render_table(&mut md, headers, rows),
                Block::Image(path, alt) => {
                    let _ = writeln!(md, "![{}]({})", escape_alt(alt), link_target(path, base));
                }
                Block::Code(lang, text) => {
                    let longest = longest_backtick_run(text);
                    let fence = "`".repeat(longest.max(2) + 1);
                    let _ = writeln!(md, "{fence}{}", one_line(lang));
                    md.push_str(text);
                    if !text.ends_with('\n') {
                        md.push('\n');
                    }
                    let _ = writeln!(md, "{fence}");
                }
            }
        }
        md
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

fn render_table(md: &mut String, headers: &[String], rows: &[Vec<String>]) {
    let width = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(headers.len()))
        .max()
        .unwrap_or(0)
        .max(1);
    let cell = |row: &[String], c: usize| row.get(c).map_or(String::new(), |s| escape_cell(s));
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    md.push_str(&line((0..width).map(|c| cell(headers, c)).collect()));
    let rule: Vec<String> = (0..width)
        .map(|c| {
            let numeric = !rows.is_empty()
                && rows
                    .iter()
                    .all(|r| r.get(c).is_none_or(|s| looks_numeric(s)));
            if numeric { "---:" } else { "---" }.to_string()
        })
        .collect();
    md.push_str(&format!("|{}|\n", rule.join("|")));
    for row in rows {
        md.push_str(&line((0..width).map(|c| cell(row, c)).collect()));
    }
}

/// A number, possibly with `±`, `%` or a sign, or a placeholder for a missing value.
fn looks_numeric(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s == "–" || s == "-" {
        return true;
    }
    s.split('±').all(|part| {
        part.trim()
            .trim_end_matches('%')
            .parse::<f64>()
            .is_ok_and(f64::is_finite)
    })
}

/// Plain text for a table cell: `|` escaped, line breaks as spaces.
fn escape_cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

fn escape_alt(s: &str) -> String {
    one_line(s).replace('[', "\\[").replace(']', "\\]")
}

/// The link of an image: relative to `base` when it lies inside it, `/` separators, and the
/// characters that would end or break a markdown link target percent-encoded.
fn link_target(path: &str, base: Option<&Path>) -> String {
    let p = Path::new(path);
    let rel = base
        .filter(|_| p.is_absolute())
        .and_then(|b| p.strip_prefix(b).ok())
        .unwrap_or(p);
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    let joined = if parts.len() == 1 && parts[0].is_empty() {
        "/".to_string()
    } else {
        parts.join("/")
    };
    let mut out = String::with_capacity(joined.len());
    for ch in joined.chars() {
        match ch {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            _ => out.push(ch),
        }
    }
    out
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// A ratio with 3 decimals, `–` when undefined.
fn ratio(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn mean_sd(m: &MeanSd) -> String {
    format!("{:.3} ± {:.3}", m.mean, m.sd)
}

/// The per-class table of an evaluation: headers `class, support, sensitivity, specificity,
/// precision, F1`, one row per class (ratios with 3 decimals, `–` where undefined).
///
/// ```
/// use exg_train::cv::Evaluation;
/// use exg_train::metrics::Confusion;
/// let c = Confusion::from_pairs(2, &[0, 0, 1], &[0, 1, 1])?;
/// let e = Evaluation::from_confusion(&c, &["N".into(), "AF".into()], None);
/// let (headers, rows) = exg_train::report::evaluation_table(&e);
/// assert_eq!(headers[5], "F1");
/// assert_eq!(rows[0], ["N", "2", "0.500", "1.000", "1.000", "0.667"]);
/// # Ok::<(), exg_train::Error>(())
/// ```
pub fn evaluation_table(e: &Evaluation) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "class",
        "support",
        "sensitivity",
        "specificity",
        "precision",
        "F1",
    ]
    .map(String::from)
    .to_vec();
    let rows = e
        .per_class
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let name = e.classes.get(i).cloned().unwrap_or_else(|| i.to_string());
            vec![
                name,
                m.support.to_string(),
                ratio(m.sensitivity),
                ratio(m.specificity),
                ratio(m.precision),
                ratio(m.f1),
            ]
        })
        .collect();
    (headers, rows)
}

/// The k-fold table: one row per fold (records, accuracy, macro-F1, macro sensitivity and
/// specificity, the subset F1 when every fold has one, then the F1 of each class), and a last
/// row `mean ± sd` from `summary` (records: the total).
pub fn summary_table(folds: &[Evaluation], summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let classes: &[String] = folds.first().map_or(&[], |e| &e.classes);
    let with_subset = summary.subset_f1.is_some();
    let mut headers: Vec<String> = [
        "fold",
        "records",
        "accuracy",
        "macro-F1",
        "sensitivity",
        "specificity",
    ]
    .map(String::from)
    .to_vec();
    if with_subset {
        headers.push("subset F1".into());
    }
    let n_classes = summary.per_class_f1.len().max(classes.len());
    headers.extend((0..n_classes).map(|c| {
        let name = classes.get(c).cloned().unwrap_or_else(|| c.to_string());
        format!("F1 {name}")
    }));
    let mut rows: Vec<Vec<String>> = folds
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut row = vec![
                (i + 1).to_string(),
                e.records.to_string(),
                ratio(Some(e.accuracy)),
                ratio(Some(e.macro_f1)),
                ratio(Some(e.macro_sensitivity)),
                ratio(Some(e.macro_specificity)),
            ];
            if with_subset {
                row.push(ratio(e.subset_f1));
            }
            row.extend((0..n_classes).map(|c| ratio(e.per_class.get(c).and_then(|m| m.f1))));
            row
        })
        .collect();
    let mut last = vec![
        "mean ± sd".to_string(),
        folds.iter().map(|e| e.records).sum::<usize>().to_string(),
        mean_sd(&summary.accuracy),
        mean_sd(&summary.macro_f1),
        mean_sd(&summary.macro_sensitivity),
        mean_sd(&summary.macro_specificity),
    ];
    if let Some(s) = &summary.subset_f1 {
        last.push(mean_sd(s));
    }
    last.extend((0..n_classes).map(|c| summary.per_class_f1.get(c).map_or("–".into(), mean_sd)));
    rows.push(last);
    (headers, rows)
}

/// A confusion matrix as a table: rows truth, columns prediction, class names on both.
///
/// # Errors
/// [`Error::Input`](crate::Error::Input) when the matrix is not `classes.len()` square.
pub fn confusion_table(
    classes: &[String],
    confusion: &[Vec<u64>],
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    super::check_square(classes, confusion)?;
    let mut headers = vec!["truth \\ predicted".to_string()];
    headers.extend(classes.iter().cloned());
    let rows = classes
        .iter()
        .zip(confusion)
        .map(|(name, row)| {
            std::iter::once(name.clone())
                .chain(row.iter().map(u64::to_string))
                .collect()
        })
        .collect();
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_and_encoded() {
        let base = Path::new("/runs/a");
        assert_eq!(
            link_target("/runs/a/figures/x y.png", Some(base)),
            "figures/x%20y.png"
        );
        assert_eq!(link_target("./figures/x.png", Some(base)), "figures/x.png");
        assert_eq!(
            link_target("/elsewhere/x.png", Some(base)),
            "/elsewhere/x.png"
        );
    }

    #[test]
    fn numeric_columns() {
        assert!(looks_numeric("0.912 ± 0.010"));
        assert!(looks_numeric("–"));
        assert!(looks_numeric("12"));
        assert!(!looks_numeric("SR"));
    }

    #[test]
    fn fences_outgrow_backticks() {
        let mut r = Report::new("");
        r.code("", "a ```` b");
        assert!(r.to_markdown().starts_with("`````\n"));
    }
}
