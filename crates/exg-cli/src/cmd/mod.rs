//! One module per subcommand; each exposes `Args` (clap) and `run`.

use anyhow::anyhow;
use exg_signal::rpeaks::{RPeakDetector, Registry};

pub mod bench;
pub mod hrv;
pub mod info;
pub mod peaks;
pub mod score_peaks;

/// The detector `--detector NAME` asks for, or an error listing the registry's names.
pub fn detector(registry: &Registry, name: &str) -> anyhow::Result<Box<dyn RPeakDetector>> {
    registry.get(name).ok_or_else(|| {
        let known: Vec<&str> = registry.names().collect();
        anyhow!("unknown detector `{name}` (known: {})", known.join(", "))
    })
}
