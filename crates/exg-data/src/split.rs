//! Cross-validation folds that are the same on every run, platform and crate version.
//!
//! Shuffling uses generators written out here rather than `rand`'s `StdRng`, whose algorithm
//! may change between `rand` versions:
//!
//! - [`SplitMix64`] (Steele, Lea & Flood 2014, constants of Vigna's reference `splitmix64.c`;
//!   defined in `exg_signal::rng`)
//!   with Lemire's unbiased bounded integers and a Fisher–Yates shuffle, for
//!   [`StratifiedKFold`] and [`KFold`] with [`Shuffle::Seeded`];
//! - [`Mt19937`] (Matsumoto & Nishimura 1998) driven exactly like NumPy's legacy
//!   `RandomState(seed).shuffle`, so [`KFold`] with [`Shuffle::Sklearn`] gives the same folds as
//!   scikit-learn's `KFold(k, shuffle=True, random_state=seed)` (the EXGnet reference notebook
//!   uses `KFold(5, shuffle=True, random_state=42)`). Checked against NumPy/scikit-learn output
//!   in the tests (`tools/data_datasets_split_oracle.py`).
//!
//! Every fold lists its `train` and `test` indices in ascending order.
//!
//! ```
//! use exg_data::split::StratifiedKFold;
//! let labels = ["SR", "SR", "SR", "AF", "AF", "SB", "SB", "SB", "SB", "SR"];
//! let folds = StratifiedKFold { k: 2, seed: 42, shuffle: true }.split(&labels)?;
//! assert_eq!(folds.len(), 2);
//! assert_eq!(folds[0].test.len() + folds[1].test.len(), labels.len());
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::collections::BTreeMap;

use exg_signal::rng::SplitMix64;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The Mersenne Twister MT19937 (32-bit), seeded like NumPy's `RandomState(seed)`
/// (`init_genrand`).
///
/// ```
/// use exg_data::split::Mt19937;
/// // Reference output: first value of mt19937ar.c after init_genrand(5489).
/// assert_eq!(Mt19937::new(5489).next_u32(), 3_499_211_612);
/// ```
#[derive(Clone, Debug)]
pub struct Mt19937 {
    mt: Box<[u32; 624]>,
    index: usize,
}

impl Mt19937 {
    /// Seeds with `init_genrand(seed)`, as NumPy does for an integer seed.
    pub fn new(seed: u32) -> Self {
        let mut mt = Box::new([0u32; 624]);
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Self { mt, index: 624 }
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.mt[i] & UPPER) | (self.mt[(i + 1) % 624] & LOWER);
            let mut v = self.mt[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= 0x9908_b0df;
            }
            self.mt[i] = v;
        }
        self.index = 0;
    }

    /// Next 32 random bits (`genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Uniform integer in `0..=max`, as NumPy's `random_interval`: mask to the smallest
    /// all-ones number covering `max` and reject values above it.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        loop {
            let v = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                let hi = u64::from(self.next_u32());
                ((hi << 32) | u64::from(self.next_u32())) & mask
            };
            if v <= max {
                return v;
            }
        }
    }

    /// Shuffles like NumPy's legacy `RandomState.shuffle` on a 1-D array.
    pub fn shuffle_like_numpy<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }
}

/// One cross-validation fold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// Training indices, ascending.
    pub train: Vec<usize>,
    /// Test indices, ascending.
    pub test: Vec<usize>,
}

/// For each sample, the fold whose test set holds it (the inverse view of a fold list).
pub fn fold_of_each(folds: &[Fold], n: usize) -> Vec<usize> {
    let mut out = vec![usize::MAX; n];
    for (f, fold) in folds.iter().enumerate() {
        for &i in &fold.test {
            if let Some(slot) = out.get_mut(i) {
                *slot = f;
            }
        }
    }
    out
}

/// Builds folds from a test-fold number per sample.
fn folds_from_assignment(assign: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..assign.len()).partition(|&i| assign[i] == f);
            Fold { train, test }
        })
        .collect()
}

fn check_k(k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::InvalidArgument(format!(
            "k-fold needs k >= 2, got {k}"
        )));
    }
    if k > n {
        return Err(Error::InvalidArgument(format!(
            "k-fold with k = {k} needs at least {k} samples, got {n}"
        )));
    }
    Ok(())
}

/// How [`KFold`] orders the samples before cutting folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shuffle {
    /// No shuffling: fold `f` tests a contiguous block.
    None,
    /// Fisher–Yates with [`SplitMix64`] seeded with this value.
    Seeded(u64),
    /// NumPy's legacy `RandomState(seed)` shuffle: identical folds to scikit-learn's
    /// `KFold(k, shuffle=True, random_state=seed)`.
    Sklearn(u32),
}

/// Plain k-fold: shuffle (optionally), then cut into `k` contiguous blocks whose sizes differ by
/// at most one (the first `n % k` blocks one larger), as scikit-learn's `KFold`.
///
/// ```
/// use exg_data::split::{KFold, Shuffle};
/// let folds = KFold { k: 5, shuffle: Shuffle::Sklearn(42) }.split(10)?;
/// // Same as sklearn.model_selection.KFold(5, shuffle=True, random_state=42) on 10 samples.
/// assert_eq!(folds[0].test, vec![1, 8]);
/// # Ok::<(), exg_data::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KFold {
    /// Number of folds (at least 2, at most the number of samples).
    pub k: usize,
    /// Shuffling.
    pub shuffle: Shuffle,
}

impl KFold {
    /// Folds over `n` samples.
    pub fn split(&self, n: usize) -> Result<Vec<Fold>> {
        check_k(self.k, n)?;
        let mut order: Vec<usize> = (0..n).collect();
        match self.shuffle {
            Shuffle::None => {}
            Shuffle::Seeded(seed) => SplitMix64::new(seed).shuffle(&mut order),
            Shuffle::Sklearn(seed) => Mt19937::new(seed).shuffle_like_numpy(&mut order),
        }
        let mut assign = vec![0; n];
        let mut start = 0;
        for f in 0..self.k {
            let size = n / self.k + usize::from(f < n % self.k);
            for &i in &order[start..start + size] {
                assign[i] = f;
            }
            start += size;
        }
        Ok(folds_from_assignment(&assign, self.k))
    }
}

/// Stratified k-fold: every class is spread over the folds as evenly as possible.
///
/// Procedure: classes are taken in ascending label order; the indices of each class, in
/// ascending order, are shuffled with one [`SplitMix64`] stream seeded with `seed` (when
/// `shuffle`), and the concatenation of all classes is dealt round-robin, position `p` going
/// to test fold `p % k`. Hence each class has `floor(n_c / k)` or `ceil(n_c / k)` samples in
/// every test fold and fold sizes differ by at most one. A class smaller than `k` is allowed
/// (some folds then lack it). Unlike scikit-learn's `StratifiedKFold`, this procedure is not
/// tied to NumPy's generator and is defined here in full, so it can be re-implemented anywhere
/// (`tools/data_datasets_split_oracle.py` does, in Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratifiedKFold {
    /// Number of folds (at least 2, at most the number of samples).
    pub k: usize,
    /// Seed of the shuffle.
    pub seed: u64,
    /// Shuffle within each class (otherwise the seed is unused).
    pub shuffle: bool,
}

impl StratifiedKFold {
    /// Folds for samples with the given labels (any ordered label type).
    pub fn split<L: Ord>(&self, labels: &[L]) -> Result<Vec<Fold>> {
        check_k(self.k, labels.len())?;
        let mut by_class: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
        for (i, l) in labels.iter().enumerate() {
            by_class.entry(l).or_default().push(i);
        }
        let mut rng = SplitMix64::new(self.seed);
        let mut assign = vec![0; labels.len()];
        let mut p = 0;
        for mut members in by_class.into_values() {
            if self.shuffle {
                rng.shuffle(&mut members);
            }
            for i in members {
                assign[i] = p % self.k;
                p += 1;
            }
        }
        Ok(folds_from_assignment(&assign, self.k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Vigna's splitmix64.c, seed 0: first three outputs.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(g.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn mt19937_reference_values() {
        // mt19937ar.c's reference output starts 1067595299 955945823 477289528 for
        // init_by_array; init_genrand(5489) (the C++ std::mt19937 default) gives
        // 3499211612 581869302 3890346734, and its 10000th output is 4123659995.
        let mut g = Mt19937::new(5489);
        assert_eq!(
            [g.next_u32(), g.next_u32(), g.next_u32()],
            [3499211612, 581869302, 3890346734]
        );
        let mut g = Mt19937::new(5489);
        let v = (0..10000).map(|_| g.next_u32()).last().unwrap();
        assert_eq!(v, 4123659995);
    }

    #[test]
    fn bad_k_is_an_error() {
        assert!(
            KFold {
                k: 1,
                shuffle: Shuffle::None
            }
            .split(10)
            .is_err()
        );
        assert!(
            KFold {
                k: 11,
                shuffle: Shuffle::None
            }
            .split(10)
            .is_err()
        );
        let s = StratifiedKFold {
            k: 3,
            seed: 0,
            shuffle: true,
        };
        assert!(s.split::<u8>(&[]).is_err());
        assert!(s.split(&[1, 2]).is_err());
    }
}
