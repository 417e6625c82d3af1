//! Reproducible weight initialisation: a `VarMap` filled from our own seeded generator.
//!
//! candle's CPU device cannot be seeded (`Device::Cpu.set_seed` returns an error), so
//! [`SeededVarMap`] draws every parameter itself. Each parameter gets its own stream, keyed by
//! `(seed, full parameter name)`, so a parameter's initial value does not depend on the order in
//! which layers are built, nor on which other parameters exist.
//!
//! The generator is spelled out here (SplitMix64, then Box–Muller for normals), so the weights
//! for a given seed never change with a dependency upgrade.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use candle::{DType, Device, Shape, Tensor, Var};
use candle_nn::{Init, VarBuilder, VarMap, init::FanInOut, var_builder::SimpleBackend};

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator.
///
/// # Examples
/// ```
/// use exg_model::init::SplitMix64;
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let u = a.next_f64();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for the parameter `name` under `seed`: the state is the seed mixed with the
    /// FNV-1a hash of the name.
    pub fn for_name(seed: u64, name: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut g = Self::new(seed ^ h.rotate_left(17));
        g.next_u64();
        g
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by the Box–Muller transform (one value per two uniforms).
    pub fn next_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln is finite
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Draws `n` values for an [`Init`] hint (PyTorch's defaults are expressed as hints by the
/// layers: Kaiming-uniform with `a = sqrt(5)` becomes `Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))`).
fn draw(init: Init, shape: &Shape, rng: &mut SplitMix64) -> Vec<f64> {
    let n = shape.elem_count();
    match init {
        Init::Const(c) => vec![c; n],
        Init::Uniform { lo, up } => (0..n).map(|_| lo + (up - lo) * rng.next_f64()).collect(),
        Init::Randn { mean, stdev } => (0..n).map(|_| mean + stdev * rng.next_normal()).collect(),
        Init::Kaiming {
            dist,
            fan,
            non_linearity,
        } => {
            let dims = shape.dims();
            let receptive: usize = dims.iter().skip(2).product();
            let fan_n = match fan {
                FanInOut::FanIn => dims.get(1).copied().unwrap_or(1) * receptive,
                FanInOut::FanOut => dims.first().copied().unwrap_or(1) * receptive,
            };
            let std = non_linearity.gain() / (fan_n.max(1) as f64).sqrt();
            match dist {
                candle_nn::init::NormalOrUniform::Normal => {
                    (0..n).map(|_| std * rng.next_normal()).collect()
                }
                candle_nn::init::NormalOrUniform::Uniform => {
                    let b = 3f64.sqrt() * std;
                    (0..n).map(|_| b * (2.0 * rng.next_f64() - 1.0)).collect()
                }
            }
        }
    }
}

/// A [`VarMap`] whose missing variables are created from a seeded generator.
///
/// Use it through [`SeededVarMap::var_builder`]; the map itself ([`SeededVarMap::var_map`]) is
/// what the optimiser and `save` see.
///
/// # Examples
/// ```
/// # fn main() -> candle::Result<()> {
/// use candle::{DType, Device};
/// use exg_model::init::SeededVarMap;
/// let a = SeededVarMap::new(7);
/// let b = SeededVarMap::new(7);
/// let init = candle_nn::Init::Randn { mean: 0.0, stdev: 1.0 };
/// let wa = a.var_builder(DType::F32, &Device::Cpu).get_with_hints(4, "w", init)?;
/// let wb = b.var_builder(DType::F32, &Device::Cpu).get_with_hints(4, "w", init)?;
/// assert_eq!(wa.to_vec1::<f32>()?, wb.to_vec1::<f32>()?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SeededVarMap {
    seed: u64,
    map: VarMap,
    /// Serialises creation so two threads building the same name agree.
    lock: Arc<Mutex<()>>,
}

impl SeededVarMap {
    /// An empty map drawing new variables under `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            map: VarMap::new(),
            lock: Arc::new(Mutex::new(())),
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The underlying variables (shared, not copied).
    pub fn var_map(&self) -> &VarMap {
        &self.map
    }

    /// A [`VarBuilder`] that creates missing variables in this map.
    pub fn var_builder(&self, dtype: DType, dev: &Device) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self.clone()), dtype, dev.clone())
    }

    /// A snapshot of every variable's current value, by name.
    pub fn tensors(&self) -> HashMap<String, Tensor> {
        let data = self.map.data().lock().unwrap_or_else(|e| e.into_inner());
        data.iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect()
    }
}

impl SimpleBackend for SeededVarMap {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle::Result<Tensor> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut data = self.map.data().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = data.get(name) {
            let t = v.as_tensor();
            if t.shape() != &s {
                candle::bail!("variable {name}: shape {:?}, requested {s:?}", t.shape());
            }
            // Same dtype: hand out the variable itself, so gradients reach it.
            return if t.dtype() == dtype {
                Ok(t.clone())
            } else {
                t.to_dtype(dtype)
            };
        }
        let mut rng = SplitMix64::for_name(self.seed, name);
        let values = draw(h, &s, &mut rng);
        let t = Tensor::from_vec(values, s, dev)?.to_dtype(dtype)?;
        let v = Var::from_tensor(&t)?;
        let out = v.as_tensor().clone();
        data.insert(name.to_string(), v);
        Ok(out)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, _dev: &Device) -> candle::Result<Tensor> {
        let data = self.map.data().lock().unwrap_or_else(|e| e.into_inner());
        match data.get(name) {
            Some(v) => v.as_tensor().to_dtype(dtype),
            None => candle::bail!("variable {name} not found"),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let data = self.map.data().lock().unwrap_or_else(|e| e.into_inner());
        data.contains_key(name)
    }
}
