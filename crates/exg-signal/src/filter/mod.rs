//! Filtering and conditioning: Butterworth and notch filters as second-order sections,
//! zero-phase filtering, baseline-wander removal, resampling, scaling, and the [`Preprocess`]
//! trait that chains them.
//!
//! Two layers, as in `rustfft`:
//! * **Low level, for hot loops:** design coefficients once with [`butter`] or [`iirnotch`]
//!   (an [`Sos`] cascade, SciPy layout), then run [`Sos::filter`] (= `sosfilt`),
//!   [`Sos::filtfilt`] (= `sosfiltfilt`) on slices, or a stateful causal [`SosFilter`] over
//!   chunks or single samples (streaming).
//! * **High level:** configuration structs in Hz ([`Bandpass`], [`Highpass`], [`Notch`],
//!   [`BaselineRemoval`], [`Resample`], [`ZScore`], ...) implement [`Preprocess`]; they design
//!   their coefficients for `ecg.fs()` on every call, so one pipeline serves records at any
//!   rate.
//!
//! Every function here names the SciPy function it reproduces; `docs/signal-filters.md` lists
//! the measured differences.

mod butterworth;
mod sos;
mod zpk;

pub use butterworth::{Band, MAX_ORDER, butter};
pub use sos::{Sos, SosFilter};
