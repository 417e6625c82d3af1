//! Welch power spectral density, shared by the HRV spectrum (on interpolated RR) and the
//! signal-quality spectrum (on the ECG itself).

use realfft::RealFftPlanner;

/// Segmenting of [`welch`]; the window is always a periodic Hann and the overlap half a segment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WelchParams {
    /// Segment length, samples (≥ 1).
    pub nperseg: usize,
    /// FFT length (≥ `nperseg`; longer zero-pads each segment).
    pub nfft: usize,
    /// Remove each segment's mean before windowing (SciPy's default `detrend="constant"`).
    pub detrend_constant: bool,
}

/// `scipy.signal.welch(x, fs, window="hann", nperseg, noverlap=nperseg//2, nfft,
/// detrend="constant" | False, scaling="density")`: one-sided frequencies and densities.
///
/// Trailing samples that do not fill a segment are dropped, as in SciPy; with no full segment
/// every density is 0.
pub(crate) fn welch(x: &[f64], fs: f64, p: &WelchParams) -> (Vec<f64>, Vec<f64>) {
    let WelchParams {
        nperseg,
        nfft,
        detrend_constant,
    } = *p;
    let noverlap = nperseg / 2;
    let step = nperseg - noverlap;
    // Periodic Hann (SciPy get_window default, fftbins=True).
    let win: Vec<f64> = (0..nperseg)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / nperseg as f64).cos())
        .collect();
    let scale = 1.0 / (fs * win.iter().map(|w| w * w).sum::<f64>());
    let nseg = if x.len() >= nperseg {
        (x.len() - nperseg) / step + 1
    } else {
        0
    };
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(nfft);
    let mut buf = fft.make_input_vec();
    let mut spec = fft.make_output_vec();
    let mut acc = vec![0.0; nfft / 2 + 1];
    for s in 0..nseg {
        let seg = &x[s * step..s * step + nperseg];
        let m = if detrend_constant {
            crate::stats::mean(seg)
        } else {
            0.0
        };
        buf.iter_mut().for_each(|v| *v = 0.0);
        for (b, (v, w)) in buf.iter_mut().zip(seg.iter().zip(&win)) {
            *b = (v - m) * w;
        }
        if fft.process(&mut buf, &mut spec).is_err() {
            continue;
        }
        for (a, c) in acc.iter_mut().zip(&spec) {
            *a += c.norm_sqr() * scale;
        }
    }
    // One-sided: every line but DC (and Nyquist, which exists only for an even nfft) doubled.
    let nyquist = (nfft % 2 == 0).then_some(acc.len() - 1);
    for (k, a) in acc.iter_mut().enumerate() {
        *a /= nseg.max(1) as f64;
        if k != 0 && Some(k) != nyquist {
            *a *= 2.0;
        }
    }
    let freq = (0..acc.len())
        .map(|k| k as f64 * fs / nfft as f64)
        .collect();
    (freq, acc)
}
