//! Per-feature z-scoring fitted on a training fold only.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::core::feature::Feature;
use crate::core::schema::{FeatureVector, Schema};
use crate::{Error, Result};

/// Mean and standard deviation per feature, fitted on **training-fold** vectors only and then
/// applied unchanged to validation/test vectors (no test statistics leak into training).
///
/// * Statistics use only *valid* values of each column; SD is the population SD (ddof = 0,
///   as scikit-learn's `StandardScaler`). A column with SD 0 or fewer than 2 valid values
///   gets SD 1; a column with no valid value gets mean 0.
/// * [`transform_row`](Standardizer::transform_row) gives `(x - mean) / sd` and **imputes
///   invalid features with 0 after scaling**, i.e. with the training mean; the validity mask
///   ([`FeatureVector::mask`]) tells a model which entries were imputed.
///
/// ```
/// use std::sync::Arc;
/// use exg_features::{Feature, FeatureSpec, FeatureVector, Invalid, Schema, Standardizer};
/// let schema = Arc::new(Schema::new(vec![FeatureSpec::new("x", "ms", 0, 0.0)])?);
/// let v = |x: f64| FeatureVector::new(schema.clone(), vec![Feature::from_value(x)]);
/// let s = Standardizer::fit(&[v(1.0)?, v(3.0)?])?;
/// assert_eq!(s.transform_row(&v(5.0)?)?, vec![3.0]);
/// let missing = FeatureVector::new(schema.clone(), vec![Feature::invalid(Invalid::Missing)])?;
/// assert_eq!(s.transform_row(&missing)?, vec![0.0]);
/// # Ok::<(), exg_features::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    schema: Schema,
    mean: Vec<f64>,
    std: Vec<f64>,
    n_valid: Vec<usize>,
}

impl Standardizer {
    /// Fits on `train` (all with the same schema, at least one vector).
    pub fn fit(train: &[FeatureVector]) -> Result<Self> {
        let first = train.first().ok_or_else(|| Error::InvalidParameter {
            name: "train",
            reason: "no vectors".into(),
        })?;
        let schema = first.schema().as_ref().clone();
        let k = schema.len();
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); k];
        for v in train {
            if v.schema().as_ref() != &schema {
                return Err(Error::SchemaMismatch(
                    "training vectors have different schemas".into(),
                ));
            }
            for (c, f) in cols.iter_mut().zip(v.features()) {
                if let Some(x) = f.value() {
                    c.push(x);
                }
            }
        }
        let mut mean = Vec::with_capacity(k);
        let mut std = Vec::with_capacity(k);
        for c in &cols {
            let m = if c.is_empty() {
                0.0
            } else {
                c.iter().sum::<f64>() / c.len() as f64
            };
            let s = if c.len() < 2 {
                1.0
            } else {
                (c.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / c.len() as f64).sqrt()
            };
            mean.push(m);
            std.push(if s > 0.0 && s.is_finite() { s } else { 1.0 });
        }
        Ok(Self {
            schema,
            n_valid: cols.iter().map(Vec::len).collect(),
            mean,
            std,
        })
    }

    /// The schema it was fitted on.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Per-feature means.
    pub fn means(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature standard deviations (1 where undefined or zero).
    pub fn stds(&self) -> &[f64] {
        &self.std
    }

    /// Number of valid training values per feature.
    pub fn n_valid(&self) -> &[usize] {
        &self.n_valid
    }

    fn check(&self, v: &FeatureVector) -> Result<()> {
        if v.schema().as_ref() != &self.schema {
            return Err(Error::SchemaMismatch(
                "vector schema differs from the fitted one".into(),
            ));
        }
        Ok(())
    }

    /// Scaled vector: valid features z-scored, invalid ones left invalid.
    pub fn transform(&self, v: &FeatureVector) -> Result<FeatureVector> {
        self.check(v)?;
        let f = v
            .features()
            .iter()
            .enumerate()
            .map(|(i, f)| match f.value() {
                Some(x) => Feature::from_value((x - self.mean[i]) / self.std[i]),
                None => f.clone(),
            })
            .collect();
        FeatureVector::new(v.schema().clone(), f)
    }

    /// Scaled values with invalid features imputed to 0 (the training mean).
    pub fn transform_row(&self, v: &FeatureVector) -> Result<Vec<f64>> {
        Ok(self.transform(v)?.values_or(0.0))
    }

    /// Writes JSON to `path` (temp file in the same folder, then rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let text = serde_json::to_string_pretty(self)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads what [`save`](Standardizer::save) wrote.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Json`] (not JSON of this type, or a schema with duplicate
    /// names); [`Error::SchemaMismatch`] when `mean`, `std` or `n_valid` do not have one entry
    /// per column, a mean is not finite or a standard deviation not finite and > 0 (what
    /// [`fit`](Standardizer::fit) always writes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let s: Self = serde_json::from_str(&text)?;
        let k = s.schema.len();
        if s.mean.len() != k || s.std.len() != k || s.n_valid.len() != k {
            return Err(Error::SchemaMismatch(format!(
                "saved standardizer is inconsistent: {k} columns, {} means, {} standard \
                 deviations, {} counts",
                s.mean.len(),
                s.std.len(),
                s.n_valid.len()
            )));
        }
        if let Some(i) =
            (0..k).find(|&i| !(s.mean[i].is_finite() && s.std[i].is_finite() && s.std[i] > 0.0))
        {
            return Err(Error::SchemaMismatch(format!(
                "saved standardizer: column `{}` has mean {} and standard deviation {}",
                s.schema.specs()[i].name,
                s.mean[i],
                s.std[i]
            )));
        }
        Ok(s)
    }
}
