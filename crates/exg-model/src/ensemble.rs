//! Several networks of one configuration whose class probabilities are averaged: the usual way to
//! trade inference time for accuracy with networks trained from different random seeds.
//!
//! An [`Ensemble`] of one network is that network. Described model files hold one or more
//! networks ([`Ensemble::save_described`], [`Ensemble::load_described`]); see
//! [`crate::described`] for the tensor layout.

use candle::Tensor;

use crate::{Error, ExgNet, ExgNetConfig, Result};

/// One or more [`ExgNet`]s of the same configuration; their softmax outputs are averaged.
///
/// ```
/// # fn main() -> exg_model::Result<()> {
/// use candle::{DType, Device, Tensor};
/// use exg_model::{Ensemble, ExgNet, ExgNetConfig, init::SeededVarMap};
/// let cfg = ExgNetConfig::tiny();
/// let net = |seed| ExgNet::new(&cfg, SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu));
/// let (a, b) = (net(1)?, net(2)?);
/// let x = Tensor::randn(0f32, 1., (2, 1, cfg.input_len), &Device::Cpu)?;
/// let mean = ((a.predict_proba(&x)? + b.predict_proba(&x)?)? / 2.0)?;
/// let both = Ensemble::new(vec![a, b])?.predict_proba(&x)?;
/// let gap = (both - mean)?.abs()?.max_all()?.to_scalar::<f32>()?;
/// assert!(gap < 1e-6);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Ensemble {
    nets: Vec<ExgNet>,
}

impl Ensemble {
    /// The ensemble of `nets`.
    ///
    /// # Errors
    /// [`Error::Config`] when `nets` is empty or the networks' configurations differ (members
    /// must read the same input and name the same classes).
    pub fn new(nets: Vec<ExgNet>) -> Result<Self> {
        let Some(first) = nets.first() else {
            return Err(Error::Config(
                "an ensemble needs at least one network".into(),
            ));
        };
        if let Some(k) = nets.iter().position(|n| n.config() != first.config()) {
            return Err(Error::Config(format!(
                "network {k} of the ensemble has another configuration than network 0"
            )));
        }
        Ok(Self { nets })
    }

    /// The networks, in the order they were given (and stored).
    pub fn members(&self) -> &[ExgNet] {
        &self.nets
    }

    /// The one network of a single-network ensemble, or the ensemble back.
    ///
    /// # Errors
    /// The ensemble itself when it holds more than one network.
    pub fn into_single(mut self) -> std::result::Result<ExgNet, Self> {
        if self.nets.len() == 1 {
            Ok(self.nets.remove(0))
        } else {
            Err(self)
        }
    }

    /// The members' configuration.
    pub fn config(&self) -> &ExgNetConfig {
        self.nets[0].config()
    }

    /// Parameters of all members together.
    pub fn num_params(&self) -> usize {
        self.nets.iter().map(ExgNet::num_params).sum()
    }

    /// Mean of the members' class probabilities, in inference mode.
    ///
    /// # Shapes
    /// `xs (B, 1, T)` → `(B, K)`.
    ///
    /// # Errors
    /// As [`ExgNet::predict_proba`].
    pub fn predict_proba(&self, xs: &Tensor) -> Result<Tensor> {
        let probs = self
            .nets
            .iter()
            .map(|n| n.predict_proba(xs))
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::stack(&probs, 0)?.mean(0)?)
    }

    /// Class probabilities of a raw recording under `pre`: the members' window probabilities
    /// averaged over members, then over the record's windows (as [`ExgNet::classify`]).
    ///
    /// # Errors
    /// As [`crate::Preprocessing::windows`] and [`ExgNet::predict_proba`].
    pub fn classify(&self, pre: &crate::Preprocessing, ecg: &exg_signal::Ecg) -> Result<Vec<f32>> {
        crate::described::classify_with(pre, ecg, &self.nets[0], |x| self.predict_proba(x))
    }
}

impl From<ExgNet> for Ensemble {
    fn from(net: ExgNet) -> Self {
        Self { nets: vec![net] }
    }
}
