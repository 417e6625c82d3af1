//! One module per subcommand; each exposes `Args` (clap) and `run`.

pub mod bench;
pub mod hrv;
pub mod info;
pub mod peaks;
pub mod score_peaks;
