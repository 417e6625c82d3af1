//! Pan & Tompkins (1985), "A real-time QRS detection algorithm", IEEE TBME 32(3):230-236.

use serde::{Deserialize, Serialize};

use super::adaptive::{AdaptiveParams, Levels, Rectify};
use super::{Detection, RPeakDetector, RPeakStream, StreamingDetector, detect_batch};
use crate::{Ecg, Hz, Result};

/// Pan-Tompkins: 5–15 Hz band-pass, derivative, squaring, 150 ms moving-window integration,
/// running-mean signal/noise levels with threshold `NL + 0.25 (SL − NL)`, 200 ms refractory
/// period, T-wave test within 360 ms, search-back at 166 % of the mean RR with half the threshold.
///
/// Differences from the paper (documented in `docs/signal-rpeaks.md`): the band-pass is a
/// 2nd-order Butterworth high-pass + low-pass designed for any rate instead of the paper's
/// integer filters at 200 Hz; only the integrated signal is thresholded (the paper's parallel
/// threshold on the band-passed signal is omitted); the 2-s learning phase is replaced by a
/// start-up period of 1.5 s from the first candidate, whose candidates at ≥ 40 % of their largest
/// (T-wave test applied) are QRS complexes and seed the levels, the first setting the running
/// mean (the full rule is in the `adaptive` engine's docs and `docs/signal-rpeaks.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PanTompkins {
    /// Band-pass corners (Hz). Paper: 5–15 Hz (from its 11 Hz low-pass and 5 Hz high-pass).
    pub band_hz: (f64, f64),
    /// Derivative span (s). Paper: the 5-point derivative spans 4 samples at 200 Hz = 20 ms.
    pub derivative_s: f64,
    /// Moving-window integration width (s). Paper: 150 ms (30 samples at 200 Hz).
    pub integration_s: f64,
    /// Refractory period / minimal peak separation (s). Paper: 200 ms.
    pub refractory_s: f64,
    /// Threshold coefficient. Paper: 0.25.
    pub threshold_coeff: f64,
    /// Search-back after this multiple of the mean RR. Paper: 1.66.
    pub searchback_rr: f64,
    /// Cap on the search-back interval (s); it bounds the streaming delay.
    pub max_searchback_s: f64,
    /// T-wave test window after a QRS (s). Paper: 360 ms.
    pub t_wave_window_s: f64,
    /// Refinement half-window around the engine's estimate (s).
    pub refine_window_s: f64,
}

impl Default for PanTompkins {
    fn default() -> Self {
        Self {
            band_hz: (5.0, 15.0),
            derivative_s: 0.020,
            integration_s: 0.150,
            refractory_s: 0.200,
            threshold_coeff: 0.25,
            searchback_rr: 1.66,
            max_searchback_s: 2.0,
            t_wave_window_s: 0.36,
            refine_window_s: 0.05,
        }
    }
}

impl RPeakDetector for PanTompkins {
    fn name(&self) -> &str {
        "pantompkins"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        detect_batch(self, ecg)
    }
}

impl StreamingDetector for PanTompkins {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        AdaptiveParams {
            band_hz: self.band_hz,
            derivative_s: self.derivative_s,
            rectify: Rectify::Square,
            integration_s: self.integration_s,
            peak_separation_s: self.refractory_s,
            tc: self.threshold_coeff,
            levels: Levels::RunningMean,
            searchback_rr: self.searchback_rr,
            max_searchback_s: self.max_searchback_s,
            t_wave_window_s: self.t_wave_window_s,
            t_wave_slope_ratio: 0.5,
        }
        .stream(fs, self.refine_window_s)
    }
}
