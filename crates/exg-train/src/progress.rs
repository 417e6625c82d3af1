//! Training progress on stderr: on a terminal, one [indicatif] bar per epoch with the running
//! loss, throughput and ETA; otherwise (a log file, CI) one plain line per epoch, the
//! [`EpochLog`](crate::trainer::EpochLog)'s one-line form.
//!
//! ```
//! use exg_train::progress::Console;
//! use exg_train::study::StudyProgress;
//! let mut console = Console::new();
//! console.show(StudyProgress::FoldStart { fold: 1, folds: 5, done: true });
//! ```

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::study::StudyProgress;
use crate::trainer::Progress;

/// Progress on stderr: a bar per epoch with loss, accuracy, throughput and ETA on a terminal;
/// one plain line per epoch otherwise.
pub struct Console {
    bar: Option<ProgressBar>,
    tty: bool,
    prefix: String,
    /// Sum of the epoch's step losses and their count.
    running: (f64, usize),
}

impl Console {
    /// A display that draws bars only when stderr is a terminal.
    pub fn new() -> Self {
        Self {
            bar: None,
            tty: std::io::stderr().is_terminal(),
            prefix: String::new(),
            running: (0.0, 0),
        }
    }

    /// Handles one event of a study.
    pub fn show(&mut self, p: StudyProgress<'_>) {
        match p {
            StudyProgress::Prepared(s) => eprintln!(
                "prepared {} records into {} windows ({} from the cache, {} padded, {} windows without an attention target)",
                s.records, s.windows, s.cache_hits, s.padded_records, s.windows_without_target
            ),
            StudyProgress::FoldStart { fold, folds, done } => {
                self.prefix = if folds > 1 {
                    format!("fold {fold}/{folds} ")
                } else {
                    String::new()
                };
                if done {
                    eprintln!("{}done earlier (read back)", self.prefix);
                }
            }
            StudyProgress::Train(Progress::EpochStart { epoch, steps }) => {
                self.running = (0.0, 0);
                if self.tty {
                    let bar = ProgressBar::new(steps as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix}{bar:30} {pos}/{len} steps, {per_sec}, ETA {eta} {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar.set_prefix(format!("{}epoch {epoch} ", self.prefix));
                    self.bar = Some(bar);
                }
            }
            StudyProgress::Train(Progress::Step { loss, .. }) => {
                self.running.0 += loss;
                self.running.1 += 1;
                if let Some(bar) = &self.bar {
                    bar.set_message(format!(
                        "loss {:.3}",
                        self.running.0 / self.running.1 as f64
                    ));
                    bar.inc(1);
                }
            }
            StudyProgress::Train(Progress::EpochEnd(log)) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                eprintln!("{}{log}", self.prefix);
            }
        }
    }
}

impl Console {
    /// Handles one event of [`fit`](crate::trainer::fit) (a run outside a study).
    pub fn show_fit(&mut self, p: Progress<'_>) {
        self.show(StudyProgress::Train(p));
    }
}

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}
