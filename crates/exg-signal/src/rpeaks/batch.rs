//! The batch path: detection that sees the whole record ([`detect_batch`]).
//!
//! A stream starts cold (its levels are learnt from the first seconds) and ends blind (the last
//! candidates are judged without the look-ahead the search-back and the window-maximum test
//! need). On a 30-min record that costs a beat or two; on a 10-s record it is where most misses
//! are (measured in `docs/benchmarks.md` §"R-peaks on short records": before this path, 46 % of
//! the default detector's misses on 10-s MIT-BIH windows were in the last 200 ms).
//!
//! The batch path runs the same stream over the record extended at both ends by its mirror
//! image (even reflection about the first and last samples, as zero-phase filters pad):
//!
//! * **head**: the first `min(len − 1, HEAD_S)` seconds reversed. The stream learns its levels
//!   and RR intervals on them — for a record of up to `HEAD_S` seconds, on the whole record
//!   played backwards — so it reaches sample 0 in steady state and the first beats are judged
//!   like any other (a backward pass that initialises the forward one);
//! * **tail**: the last `min(len − 1, delay)` samples reversed, so that every candidate of the
//!   record is final (judged with its full look-ahead) before the stream ends; a beat cut by
//!   the end becomes a whole, symmetric QRS.
//!
//! Peaks found in the padding are dropped and the rest shifted back. Inside the record the
//! stream's decisions are those of [`detect_streamed`](super::detect_streamed) once the levels
//! have converged (a few beats), so batch and streaming differ only where the stream lacks
//! context: the first seconds and the last ~delay of a record (documented in
//! `docs/signal-rpeaks.md` §"Batch and streaming").

use super::{Detection, MIN_DURATION_S, Polarity, StreamingDetector};
use crate::{Ecg, Error, RPeaks, Result};

/// Length of the mirrored head (s): records up to this long are learnt on in full.
pub const HEAD_S: f64 = 10.0;

/// Two peaks closer than this (s) are one beat (the shortest physiological refractory period,
/// Pan-Tompkins' 200 ms).
pub(super) const SAME_BEAT_S: f64 = 0.2;

/// Half-width (s) of the stretch in which a peak near an end must be the record's own extremum.
pub(super) const EDGE_EXTREMUM_S: f64 = 0.05;

/// Whether peak `i` of a record of `n` samples is kept: peaks farther than `same` samples from
/// both ends always are; nearer ones only when the extremum (maximum if `positive`, else
/// minimum) of the record within `r` samples of `i` lies strictly inside the record, not on its
/// first or last sample. Near an end the mirror makes an R wave just outside the record look
/// like one just inside it. `x(j)` is sample `j` of the record; it is asked only for samples
/// within `r` of a peak within `same` of an end (a stream keeps just those).
pub(super) fn edge_ok(
    i: usize,
    n: usize,
    same: usize,
    r: usize,
    positive: bool,
    x: impl Fn(usize) -> f64,
) -> bool {
    if i >= same && i + same < n {
        return true;
    }
    let lo = i.saturating_sub(r);
    let hi = (i + r).min(n - 1);
    let key = |j: &usize| if positive { x(*j) } else { -x(*j) };
    let j = (lo..=hi)
        .max_by(|a, b| key(a).total_cmp(&key(b)))
        .unwrap_or(i);
    j != 0 && j != n - 1
}

/// The peaks of the record from the peaks of the padded signal (`head` samples of mirrored
/// head, then the `n` of the record). A beat that straddles an end and its mirror image are one
/// symmetric QRS for the detector, which may report it on either side: a peak in the padding
/// whose mirror image lies within `same` samples of the end is taken at that image, unless a
/// peak of the record is already within `same` of it.
pub(super) fn unpad(all: &[usize], head: usize, n: usize, same: usize) -> Vec<usize> {
    let mut kept: Vec<usize> = all
        .iter()
        .filter(|&&p| p >= head && p < head + n)
        .map(|&p| p - head)
        .collect();
    // Mirror images: head padding index p holds sample head − p; the tail padding's first
    // sample (head + n) holds sample n − 2.
    let images = all.iter().filter_map(|&p| {
        if p < head {
            Some(head - p)
        } else {
            (p >= head + n)
                .then(|| (2 * (n - 1)).checked_sub(p - head))
                .flatten()
        }
    });
    let near_end = |i: usize| i < same || i + same >= n;
    let images: Vec<usize> = images.filter(|&i| i < n && near_end(i)).collect();
    for i in images {
        if kept.iter().all(|&k| k.abs_diff(i) >= same) {
            kept.push(i);
        }
    }
    kept.sort_unstable();
    kept
}

/// Detection of a whole record by a streaming detector, with the record mirrored at both ends
/// (module docs). What every built-in detector's [`detect`](super::RPeakDetector::detect) is.
///
/// # Errors
/// The detector's own errors (rate, parameters), checked first; [`Error::TooShort`] below
/// [`MIN_DURATION_S`].
pub fn detect_batch<D: StreamingDetector + ?Sized>(detector: &D, ecg: &Ecg) -> Result<Detection> {
    let fs = ecg.fs();
    let n = ecg.len();
    // The stream first: an unsupported rate is reported as such, not as a record "too short"
    // for a second at that rate.
    let mut stream = detector.stream(fs)?;
    let min = fs.samples(MIN_DURATION_S).max(1);
    if n < min {
        return Err(Error::TooShort { len: n, min });
    }
    let delay_s = stream.delay_s();
    let x = ecg.samples();
    let head = fs.samples(HEAD_S).min(n - 1);
    let tail = stream.delay().min(n - 1);
    let mut padded = Vec::with_capacity(head + n + tail);
    padded.extend(x[1..=head].iter().rev());
    padded.extend_from_slice(x);
    padded.extend(x[n - 1 - tail..n - 1].iter().rev());
    let mut all = Vec::new();
    // An `Ecg` holds finite samples only (checked when it was built).
    stream.push_finite(&padded, &mut all);
    let end = stream.finish();
    all.extend(end.peaks);
    let (same, r) = (fs.samples(SAME_BEAT_S), fs.samples(EDGE_EXTREMUM_S).max(1));
    let mut peaks = unpad(&all, head, n, same);
    let positive = end.polarity != Polarity::Negative;
    peaks.retain(|&i| edge_ok(i, n, same, r, positive, |j| x[j]));
    Ok(Detection {
        polarity: end.polarity,
        delay_s: Some(delay_s),
        ..Detection::batch(RPeaks::new(peaks, fs, n)?)
    })
}
