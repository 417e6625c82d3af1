//! Features that a dataset ships with (e.g. Chapman's Diagnostics columns) as a feature source.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::{Error, Result};

/// Chapman-Shaoxing `Diagnostics.xlsx` / `labels.csv` quantitative columns (GE MUSE
/// measurements on the 12-lead record): rates in bpm, durations in ms, axes in degrees,
/// `QOnset`/`QOffset`/`TOffset` in samples at 500 Hz.
pub const CHAPMAN_DIAGNOSTICS: [FeatureSpec; 11] = [
    FeatureSpec::new("VentricularRate", "bpm", 0, 0.0),
    FeatureSpec::new("AtrialRate", "bpm", 0, 0.0),
    FeatureSpec::new("QRSDuration", "ms", 0, 0.0),
    FeatureSpec::new("QTInterval", "ms", 0, 0.0),
    FeatureSpec::new("QTCorrected", "ms", 0, 0.0),
    FeatureSpec::new("RAxis", "deg", 0, 0.0),
    FeatureSpec::new("TAxis", "deg", 0, 0.0),
    FeatureSpec::new("QRSCount", "1", 0, 0.0),
    FeatureSpec::new("QOnset", "samples", 0, 0.0),
    FeatureSpec::new("QOffset", "samples", 0, 0.0),
    FeatureSpec::new("TOffset", "samples", 0, 0.0),
];

/// A table of dataset-provided feature values keyed by record name.
///
/// Built from plain maps so this crate needs no dataset types: `columns` maps a column name to
/// one value per record (`None` = missing, reported as [`Invalid::Missing`]).
///
/// ```
/// use std::collections::HashMap;
/// use exg_features::{FeatureExtractor, ProvidedFeatures, CHAPMAN_DIAGNOSTICS};
/// let keys = vec!["MUSE_1".to_string(), "MUSE_2".to_string()];
/// let mut columns = HashMap::new();
/// columns.insert("QRSDuration".to_string(), vec![Some(88.0), None]);
/// let specs = vec![CHAPMAN_DIAGNOSTICS[2].clone()];
/// let table = ProvidedFeatures::from_columns(specs, &keys, &columns)?;
/// assert_eq!(table.row("MUSE_1")?.value("QRSDuration"), Some(88.0));
/// assert!(!table.row("MUSE_2")?.get("QRSDuration").unwrap().is_valid());
/// let source = table.for_record("MUSE_1")?; // a FeatureExtractor for that record
/// assert_eq!(source.schema().len(), 1);
/// # Ok::<(), exg_features::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ProvidedFeatures {
    schema: Arc<Schema>,
    rows: Arc<HashMap<String, Vec<Option<f64>>>>,
}

impl ProvidedFeatures {
    /// A table with `specs` columns from `(record, values in spec order)` rows.
    pub fn new(
        specs: Vec<FeatureSpec>,
        rows: impl IntoIterator<Item = (String, Vec<Option<f64>>)>,
    ) -> Result<Self> {
        let schema = Arc::new(Schema::new(specs)?);
        let mut map = HashMap::new();
        for (k, v) in rows {
            if v.len() != schema.len() {
                return Err(Error::SchemaMismatch(format!(
                    "record `{k}` has {} values for {} columns",
                    v.len(),
                    schema.len()
                )));
            }
            map.insert(k, v);
        }
        Ok(Self {
            schema,
            rows: Arc::new(map),
        })
    }

    /// A table from `name → values` columns aligned with `keys`. Every spec needs a column.
    pub fn from_columns(
        specs: Vec<FeatureSpec>,
        keys: &[String],
        columns: &HashMap<String, Vec<Option<f64>>>,
    ) -> Result<Self> {
        let mut cols = Vec::with_capacity(specs.len());
        for s in &specs {
            let c = columns
                .get(s.name.as_ref())
                .ok_or_else(|| Error::SchemaMismatch(format!("no column `{}`", s.name)))?;
            if c.len() != keys.len() {
                return Err(Error::SchemaMismatch(format!(
                    "column `{}` has {} values for {} records",
                    s.name,
                    c.len(),
                    keys.len()
                )));
            }
            cols.push(c);
        }
        let rows = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), cols.iter().map(|c| c[i]).collect()));
        Self::new(specs, rows)
    }

    /// The columns.
    pub fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// The values of `record` (missing or non-finite ones invalid).
    pub fn row(&self, record: &str) -> Result<FeatureVector> {
        let r = self
            .rows
            .get(record)
            .ok_or_else(|| Error::UnknownRecord(record.to_string()))?;
        let f = r
            .iter()
            .map(|v| match v {
                Some(x) if x.is_finite() => Feature::from_value(*x),
                _ => Feature::invalid(Invalid::Missing),
            })
            .collect();
        FeatureVector::new(self.schema.clone(), f)
    }

    /// A [`FeatureExtractor`] that returns `record`'s row whatever the ECG (so provided and
    /// computed features can be [`Concat`](crate::Concat)-ed).
    pub fn for_record(&self, record: &str) -> Result<ProvidedRecord> {
        Ok(ProvidedRecord {
            row: self.row(record)?,
        })
    }
}

/// One record's provided features, usable as a [`FeatureExtractor`].
#[derive(Clone, Debug)]
pub struct ProvidedRecord {
    row: FeatureVector,
}

impl FeatureExtractor for ProvidedRecord {
    fn schema(&self) -> Arc<Schema> {
        self.row.schema().clone()
    }
    fn features(&self, _input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.row.clone())
    }
}
