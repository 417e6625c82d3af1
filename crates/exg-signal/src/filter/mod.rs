//! Filtering and conditioning: Butterworth and notch filters as second-order sections,
//! zero-phase filtering, baseline-wander removal, resampling, scaling, and the [`Preprocess`]
//! trait that chains them.
//!
//! Two layers, as in `rustfft`:
//! * **Low level, for hot loops:** design coefficients once with [`butter`] or [`iirnotch`]
//!   (an [`Sos`] cascade, SciPy layout), then run [`Sos::filter`] (= `sosfilt`),
//!   [`Sos::filtfilt`] (= `sosfiltfilt`) on slices, or a stateful causal [`SosFilter`] over
//!   chunks or single samples (streaming). Free functions [`median_filter`],
//!   [`median_baseline`], [`resample_poly`], [`resample_fft`], [`zscore`], [`robust_scale`]
//!   work on slices.
//! * **High level:** configuration structs in physical units ([`Bandpass`], [`Highpass`],
//!   [`Lowpass`], [`Notch`], [`BaselineRemoval`], [`Resample`], [`ZScore`], [`RobustScale`])
//!   implement [`Preprocess`]; they design their coefficients for `ecg.fs()` on every call, so
//!   one pipeline serves records at any rate.
//!
//! Every function names the SciPy function it reproduces; `docs/signal-filters.md` lists the
//! measured differences (coefficients ~1e-15 relative, outputs ~1e-13 absolute).

mod baseline;
mod butterworth;
mod notch;
mod preprocess;
mod resample;
mod scale;
mod sos;
mod zpk;

pub use baseline::{median_baseline, median_filter, odd_window};
pub use butterworth::{Band, MAX_ORDER, butter};
pub use notch::iirnotch;
pub use preprocess::{
    Bandpass, BaselineMethod, BaselineRemoval, FromFn, Highpass, Lowpass, Notch, Preprocess,
    Resample, ResampleMethod, RobustScale, Then, ZScore, from_fn,
};
pub use resample::{
    MAX_FACTOR, PolyPad, rational_factors, resample_fft, resample_poly, resample_rate,
};
pub use scale::{Spread, robust_scale, zscore};
pub use sos::{Sos, SosFilter};
