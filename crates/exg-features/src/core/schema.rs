//! Named, ordered feature columns and the vectors that follow them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::feature::{Feature, Invalid};
use crate::{Error, Result};

/// One column of a [`Schema`]: name, unit and the generic validity rule.
///
/// `min_beats` and `min_duration_s` are checked by every extractor before the feature's own
/// definition runs; a record that fails them gets [`Invalid::TooFewBeats`] /
/// [`Invalid::TooShort`]. Feature-specific rules (e.g. SDANN's window count) come on top.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Column name (NeuroKit2 names without the `HRV_` prefix where NeuroKit2 defines one).
    pub name: Cow<'static, str>,
    /// Unit (`ms`, `bpm`, `%`, `ms^2`, `1` for dimensionless).
    pub unit: Cow<'static, str>,
    /// Fewest R-peaks for which the feature is defined.
    pub min_beats: usize,
    /// Shortest record duration (seconds) for which the feature is considered valid.
    pub min_duration_s: f64,
}

impl FeatureSpec {
    /// A spec with the given rule.
    pub const fn new(
        name: &'static str,
        unit: &'static str,
        min_beats: usize,
        min_duration_s: f64,
    ) -> Self {
        Self {
            name: Cow::Borrowed(name),
            unit: Cow::Borrowed(unit),
            min_beats,
            min_duration_s,
        }
    }

    /// The generic rule for a record with `beats` peaks lasting `duration_s` seconds.
    pub fn check(&self, beats: usize, duration_s: f64) -> Option<Invalid> {
        if beats < self.min_beats {
            Some(Invalid::TooFewBeats {
                have: beats,
                need: self.min_beats,
            })
        } else if duration_s < self.min_duration_s {
            Some(Invalid::TooShort {
                have_s: duration_s,
                need_s: self.min_duration_s,
            })
        } else {
            None
        }
    }
}

/// Ordered, named columns shared by every vector an extractor produces.
///
/// Known before any data is seen (it sizes a network input, writes CSV headers).
///
/// ```
/// use exg_features::{FeatureExtractor, HrvTime};
/// let schema = HrvTime::exgnet17().schema();
/// assert_eq!(schema.len(), 17);
/// assert_eq!(schema.index_of("RMSSD"), Some(4));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SchemaRepr")]
pub struct Schema {
    specs: Vec<FeatureSpec>,
}

/// The serialised form of a [`Schema`], checked by [`Schema::new`] when read back (a file
/// with two columns of one name is refused, as the constructor refuses it).
#[derive(Deserialize)]
struct SchemaRepr {
    specs: Vec<FeatureSpec>,
}

impl TryFrom<SchemaRepr> for Schema {
    type Error = Error;
    fn try_from(r: SchemaRepr) -> Result<Self> {
        Schema::new(r.specs)
    }
}

impl Schema {
    /// A schema from column specs. Fails on duplicate names.
    pub fn new(specs: Vec<FeatureSpec>) -> Result<Self> {
        for (i, s) in specs.iter().enumerate() {
            if specs[..i].iter().any(|t| t.name == s.name) {
                return Err(Error::SchemaMismatch(format!(
                    "duplicate feature name `{}`",
                    s.name
                )));
            }
        }
        Ok(Self { specs })
    }

    /// The column specs in order.
    pub fn specs(&self) -> &[FeatureSpec] {
        &self.specs
    }

    /// Column names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.specs.iter().map(|s| s.name.as_ref())
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// `true` for a schema without columns.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Position of column `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }
}

/// Feature values following a [`Schema`].
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureVector {
    schema: Arc<Schema>,
    features: Vec<Feature>,
}

impl FeatureVector {
    /// Pairs values with their schema; the lengths must match.
    pub fn new(schema: Arc<Schema>, features: Vec<Feature>) -> Result<Self> {
        if schema.len() != features.len() {
            return Err(Error::SchemaMismatch(format!(
                "{} values for a schema of {} columns",
                features.len(),
                schema.len()
            )));
        }
        Ok(Self { schema, features })
    }

    /// Every feature of `schema` invalid for the same reason.
    pub fn all_invalid(schema: Arc<Schema>, reason: Invalid) -> Self {
        let features = vec![Feature::invalid(reason); schema.len()];
        Self { schema, features }
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The features in schema order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The feature called `name`.
    pub fn get(&self, name: &str) -> Option<&Feature> {
        self.schema.index_of(name).map(|i| &self.features[i])
    }

    /// The valid value of `name` (`None` when unknown or invalid).
    pub fn value(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Feature::value)
    }

    /// Values in schema order with invalid ones replaced by `fill` (for matrices).
    pub fn values_or(&self, fill: f64) -> Vec<f64> {
        self.features
            .iter()
            .map(|f| f.value().unwrap_or(fill))
            .collect()
    }

    /// Valid flags in schema order.
    pub fn mask(&self) -> Vec<bool> {
        self.features.iter().map(Feature::is_valid).collect()
    }

    /// `(spec, feature)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&FeatureSpec, &Feature)> {
        self.schema.specs().iter().zip(&self.features)
    }

    /// JSON object `{name: {"value", "unit", "valid", "reason"?, "computed"?}}` keyed by name
    /// (use [`iter`](FeatureVector::iter) for schema order).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (spec, f) in self.iter() {
            let mut v = serde_json::to_value(f).unwrap_or(serde_json::Value::Null);
            if let serde_json::Value::Object(o) = &mut v {
                o.insert(
                    "unit".into(),
                    serde_json::Value::String(spec.unit.to_string()),
                );
            }
            map.insert(spec.name.to_string(), v);
        }
        serde_json::Value::Object(map)
    }
}
