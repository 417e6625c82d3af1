//! Gradient-steepness detector in the spirit of NeuroKit2's default (`method="neurokit"`).

use serde::{Deserialize, Serialize};

use super::gradient::{GradientEngine, GradientParams};
use super::{
    Detection, RPeakDetector, RPeakStream, StreamingDetector, check_fs, check_positive,
    detect_batch,
};
use crate::{Ecg, Hz, Result};

/// NeuroKit-style detector, implemented from its published description: clean with a 0.5 Hz
/// high-pass and a power-line moving average; take the absolute gradient; smooth it over
/// 100 ms; QRS windows are where it exceeds 1.5 × its 750 ms moving average; windows shorter
/// than 0.4 × the mean window length are dropped; the peak is the largest deflection in the
/// window; peaks closer than 300 ms to the previous one are dropped.
///
/// Causal differences (see `docs/signal-rpeaks.md`): 2nd-order (not 5th-order zero-phase)
/// high-pass; centred windows realised as trailing windows with the short one delayed to share
/// the centre; the mean window length is the running mean of the windows seen so far (the
/// original uses the mean over the whole record); windows longer than `max_window_s` are cut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NeuroKit {
    /// High-pass corner of the cleaning step (Hz). NeuroKit2: 0.5 Hz.
    pub highpass_hz: f64,
    /// Power-line frequency (Hz); the cleaning moving average spans `fs / powerline_hz` samples. NeuroKit2: 50.
    pub powerline_hz: f64,
    /// Smoothing window of the absolute gradient (s). NeuroKit2: 0.1.
    pub smooth_window_s: f64,
    /// Averaging window for the threshold (s). NeuroKit2: 0.75.
    pub average_window_s: f64,
    /// Threshold factor on the averaged gradient. NeuroKit2: 1.5.
    pub gradient_factor: f64,
    /// Minimal window length as a fraction of the mean. NeuroKit2: 0.4.
    pub min_len_weight: f64,
    /// Minimal distance between peaks (s). NeuroKit2: 0.3.
    pub min_delay_s: f64,
    /// Longest QRS window before it is cut (s); bounds the streaming delay.
    pub max_window_s: f64,
    /// Refinement half-window around the window's peak (s).
    pub refine_window_s: f64,
}

impl Default for NeuroKit {
    fn default() -> Self {
        Self {
            highpass_hz: 0.5,
            powerline_hz: 50.0,
            smooth_window_s: 0.1,
            average_window_s: 0.75,
            gradient_factor: 1.5,
            min_len_weight: 0.4,
            min_delay_s: 0.3,
            max_window_s: 0.5,
            refine_window_s: 0.05,
        }
    }
}

impl RPeakDetector for NeuroKit {
    fn name(&self) -> &str {
        "neurokit"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        detect_batch(self, ecg)
    }
}

impl StreamingDetector for NeuroKit {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        check_fs(fs)?;
        for (n, v) in [
            ("highpass_hz", self.highpass_hz),
            ("powerline_hz", self.powerline_hz),
            ("smooth_window_s", self.smooth_window_s),
            ("average_window_s", self.average_window_s),
            ("gradient_factor", self.gradient_factor),
            ("min_len_weight", self.min_len_weight),
            ("min_delay_s", self.min_delay_s),
            ("max_window_s", self.max_window_s),
            ("refine_window_s", self.refine_window_s),
        ] {
            check_positive(n, v)?;
        }
        let p = GradientParams {
            highpass_hz: self.highpass_hz,
            smooth_s: self.smooth_window_s,
            average_s: self.average_window_s,
            gradient_factor: self.gradient_factor,
            min_len_weight: self.min_len_weight,
            min_delay_s: self.min_delay_s,
            max_window_s: self.max_window_s,
            powerline_hz: self.powerline_hz,
        };
        Ok(RPeakStream::with_engine(
            Box::new(GradientEngine::new(p, fs.get())),
            fs,
            self.refine_window_s,
        ))
    }
}
