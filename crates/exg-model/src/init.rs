//! Reproducible weight initialisation: a `VarMap` filled from our own seeded generator.
//!
//! candle's CPU device cannot be seeded (`Device::Cpu.set_seed` returns an error), so
//! [`SeededVarMap`] draws every parameter itself. Each parameter gets its own stream, keyed by
//! `(seed, full parameter name)`, so a parameter's initial value does not depend on the order in
//! which layers are built, nor on which other parameters exist.
//!
//! The generator is the workspace's own SplitMix64 (`exg_signal::rng`), then Box–Muller for
//! normals, so the weights for a given seed never change with a dependency upgrade.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use candle::{DType, Device, Shape, Tensor, Var};
use candle_nn::{Init, VarBuilder, VarMap, init::FanInOut, var_builder::SimpleBackend};
use exg_signal::rng::SplitMix64;

/// The generator of parameter `name` under `seed`: SplitMix64 (the workspace's one generator,
/// [`exg_signal::rng::SplitMix64`]) whose state is the seed mixed with the FNV-1a hash of the
/// name, advanced once.
pub(crate) fn generator_for(seed: u64, name: &str) -> SplitMix64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut g = SplitMix64::new(seed ^ h.rotate_left(17));
    g.next_u64();
    g
}

/// Standard normal by the Box–Muller transform from two uniforms; `1 − u` keeps the logarithm
/// finite. (Written here rather than taken from the generator, so that the initial weights of a
/// seed stay fixed: `tools/model_pinned_values.py` re-implements exactly this.)
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.uniform();
    let u2 = rng.uniform();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Draws `n` values for an [`Init`] hint (PyTorch's defaults are expressed as hints by the
/// layers: Kaiming-uniform with `a = sqrt(5)` becomes `Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))`).
fn draw(init: Init, shape: &Shape, rng: &mut SplitMix64) -> Vec<f64> {
    let n = shape.elem_count();
    match init {
        Init::Const(c) => vec![c; n],
        Init::Uniform { lo, up } => (0..n).map(|_| lo + (up - lo) * rng.uniform()).collect(),
        Init::Randn { mean, stdev } => (0..n).map(|_| mean + stdev * normal(rng)).collect(),
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
                    (0..n).map(|_| std * normal(rng)).collect()
                }
                candle_nn::init::NormalOrUniform::Uniform => {
                    let b = 3f64.sqrt() * std;
                    (0..n).map(|_| b * (2.0 * rng.uniform() - 1.0)).collect()
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
        let mut rng = generator_for(self.seed, name);
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
