//! Deterministic pseudo-random numbers: [`SplitMix64`], the one generator of the workspace's
//! signal and data crates (the synthetic ECG, the conformance battery's chunk sizes, the seeded
//! cross-validation folds of `exg-data`).
//!
//! It is written out here rather than taken from `rand`, whose algorithms may change between
//! versions: a given seed gives the same stream on every platform and crate version.

/// SplitMix64: a 64-bit generator with a 64-bit state (one add, two multiply-xorshifts).
///
/// ```
/// use exg_signal::rng::SplitMix64;
/// // First output for seed 0, from the reference C implementation.
/// assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
/// ```
///
/// Its state serialises (serde), so a training run can checkpoint where its stream stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box-Muller (one value per call, two draws, keeps the stream simple).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Uniform integer in `0..n` (`n > 0`), without modulo bias: Lemire's multiply-shift with
    /// rejection ("Fast random integer generation in an interval", ACM TOMACS 2019).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Fisher–Yates (Durstenfeld) shuffle: for `i` from the end down to 1, swap `i` with a
    /// uniform `j` in `0..=i`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}
