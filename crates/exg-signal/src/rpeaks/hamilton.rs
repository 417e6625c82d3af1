//! Hamilton & Tompkins (1986), "Quantitative investigation of QRS detection rules using the MIT/BIH arrhythmia database", IEEE TBME 33(12):1157-1165, with the filter settings of Hamilton (2002), "Open source ECG analysis", Computers in Cardiology 29:101-104.

use serde::{Deserialize, Serialize};

use super::adaptive::{AdaptiveParams, Levels, Rectify};
use super::{Detection, RPeakDetector, RPeakStream, StreamingDetector, detect_batch};
use crate::{Ecg, Hz, Result};

/// Hamilton: 8–16 Hz band-pass, derivative, absolute value, 80 ms moving average; QRS and
/// noise levels are medians of the last 8 peaks, threshold `NL + 0.3125 (QL − NL)`; peaks closer
/// than 200 ms to a larger one are ignored; T-wave test within 360 ms (slope < half the previous
/// QRS's); search-back at 1.5 × the median RR with half the threshold.
///
/// Differences from the papers (documented in `docs/signal-rpeaks.md`): 2nd-order Butterworth
/// band-pass designed for any rate instead of integer filters at 200 Hz; no baseline-shift rule
/// (the band-pass rejects baseline shifts); the 8-s learning period is replaced by the start-up
/// period Pan-Tompkins uses: 1.5 s from the first candidate, whose candidates at ≥ 40 % of their
/// largest (T-wave test applied) are QRS complexes and fill the median buffers, the others the
/// noise buffer (`docs/signal-rpeaks.md`). The levels are never reset or scaled afterwards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hamilton {
    /// Band-pass corners (Hz). Hamilton 2002 (and NeuroKit2 `hamilton2002` cleaning): 8–16 Hz.
    pub band_hz: (f64, f64),
    /// Derivative span (s). Paper: `x[n] − x[n−2]` at 200 Hz = 10 ms.
    pub derivative_s: f64,
    /// Moving-window integration width (s). Paper: 80 ms (16 samples at 200 Hz).
    pub integration_s: f64,
    /// Refractory period / minimal peak separation (s). Paper: 200 ms.
    pub refractory_s: f64,
    /// Threshold coefficient `TC`. Paper: 0.3125.
    pub threshold_coeff: f64,
    /// Search-back after this multiple of the median RR. Paper: 1.5.
    pub searchback_rr: f64,
    /// Cap on the search-back interval (s); it bounds the streaming delay.
    pub max_searchback_s: f64,
    /// T-wave test window after a QRS (s). Paper: 360 ms.
    pub t_wave_window_s: f64,
    /// Refinement half-window around the engine's estimate (s).
    pub refine_window_s: f64,
}

impl Default for Hamilton {
    fn default() -> Self {
        Self {
            band_hz: (8.0, 16.0),
            derivative_s: 0.010,
            integration_s: 0.080,
            refractory_s: 0.200,
            threshold_coeff: 0.3125,
            searchback_rr: 1.5,
            max_searchback_s: 2.0,
            t_wave_window_s: 0.36,
            refine_window_s: 0.05,
        }
    }
}

impl RPeakDetector for Hamilton {
    fn name(&self) -> &str {
        "hamilton"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        detect_batch(self, ecg)
    }
}

impl StreamingDetector for Hamilton {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        AdaptiveParams {
            band_hz: self.band_hz,
            derivative_s: self.derivative_s,
            rectify: Rectify::Abs,
            integration_s: self.integration_s,
            peak_separation_s: self.refractory_s,
            tc: self.threshold_coeff,
            levels: Levels::Median8,
            searchback_rr: self.searchback_rr,
            max_searchback_s: self.max_searchback_s,
            t_wave_window_s: self.t_wave_window_s,
            t_wave_slope_ratio: 0.5,
        }
        .stream(fs, self.refine_window_s)
    }
}
