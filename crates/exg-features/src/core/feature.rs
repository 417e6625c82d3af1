//! One feature value with its validity, and why it may be invalid.

use serde::{Deserialize, Serialize};

/// Why a feature has no trustworthy value for a record.
///
/// Every extractor returns one of these instead of a bare `NaN`, so a caller can tell "the
/// record is too short for LF power" from "the record has no beats".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Invalid {
    /// Fewer R-peaks than the feature's definition needs.
    TooFewBeats {
        /// Peaks available.
        have: usize,
        /// Peaks required.
        need: usize,
    },
    /// The record (or RR series) is shorter than the feature's validity rule allows.
    TooShort {
        /// Duration available, seconds.
        have_s: f64,
        /// Duration required, seconds.
        need_s: f64,
    },
    /// The definition gives no finite number for this input (division by zero, no template
    /// match, empty spectral band, ...). The text says which.
    Undefined {
        /// Human-readable cause.
        reason: String,
    },
    /// The feature needs the ECG samples but only peaks were given.
    NeedsSignal,
    /// A dataset-provided feature has no value for this record.
    Missing,
}

impl Invalid {
    /// Shorthand for [`Invalid::Undefined`].
    pub fn undefined(reason: impl Into<String>) -> Self {
        Invalid::Undefined {
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::TooFewBeats { have, need } => {
                write!(f, "too few beats: {have}, need at least {need}")
            }
            Invalid::TooShort { have_s, need_s } => {
                write!(f, "too short: {have_s:.1} s, need at least {need_s:.1} s")
            }
            Invalid::Undefined { reason } => write!(f, "undefined: {reason}"),
            Invalid::NeedsSignal => write!(f, "needs the ECG signal, only peaks were given"),
            Invalid::Missing => write!(f, "missing in the source"),
        }
    }
}

/// Validity of one feature value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// The value is finite and the record satisfies the feature's validity rule.
    Valid,
    /// No trustworthy value; see the reason.
    Invalid(Invalid),
}

/// A feature value with its validity flag.
///
/// * Valid: [`value`](Feature::value) is `Some` finite number.
/// * Invalid: [`value`](Feature::value) is `None`. When the number *could* be computed but the
///   record breaks the validity rule (e.g. LF power on a 30-s record), it is still available
///   through [`computed`](Feature::computed) for inspection, never silently.
///
/// ```
/// use exg_features::{Feature, Invalid};
/// let ok = Feature::from_value(42.0);
/// assert_eq!(ok.value(), Some(42.0));
/// let nan = Feature::from_value(f64::NAN); // a NaN never passes as valid
/// assert!(!nan.is_valid());
/// let short = Feature::flagged(3.0, Invalid::TooShort { have_s: 10.0, need_s: 50.0 });
/// assert_eq!((short.value(), short.computed()), (None, Some(3.0)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    computed: Option<f64>,
    validity: Validity,
}

impl Feature {
    /// A computed value: valid when finite, otherwise invalid ("non-finite result").
    pub fn from_value(v: f64) -> Self {
        if v.is_finite() {
            Self {
                computed: Some(v),
                validity: Validity::Valid,
            }
        } else {
            Self::invalid(Invalid::undefined("non-finite result"))
        }
    }

    /// No value, with the reason.
    pub fn invalid(reason: Invalid) -> Self {
        Self {
            computed: None,
            validity: Validity::Invalid(reason),
        }
    }

    /// A number that could be computed but must not be trusted (keeps it for inspection).
    pub fn flagged(v: f64, reason: Invalid) -> Self {
        Self {
            computed: v.is_finite().then_some(v),
            validity: Validity::Invalid(reason),
        }
    }

    /// Marks this feature invalid for `reason`, keeping any computed number.
    pub fn downgrade(self, reason: Invalid) -> Self {
        match self.validity {
            Validity::Valid => Self {
                computed: self.computed,
                validity: Validity::Invalid(reason),
            },
            Validity::Invalid(_) => self,
        }
    }

    /// The value when valid.
    pub fn value(&self) -> Option<f64> {
        match self.validity {
            Validity::Valid => self.computed,
            Validity::Invalid(_) => None,
        }
    }

    /// The computed number, valid or not (`None` when nothing finite could be computed).
    pub fn computed(&self) -> Option<f64> {
        self.computed
    }

    /// `true` when valid.
    pub fn is_valid(&self) -> bool {
        matches!(self.validity, Validity::Valid)
    }

    /// The validity flag.
    pub fn validity(&self) -> &Validity {
        &self.validity
    }

    /// Why the feature is invalid, if it is.
    pub fn reason(&self) -> Option<&Invalid> {
        match &self.validity {
            Validity::Valid => None,
            Validity::Invalid(r) => Some(r),
        }
    }
}

/// Wire form: `{"value": x|null, "valid": bool, "reason": {...}?, "computed": x?}`.
#[derive(Serialize, Deserialize)]
struct FeatureWire {
    value: Option<f64>,
    valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<Invalid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    computed: Option<f64>,
}

impl Serialize for Feature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let wire = match &self.validity {
            Validity::Valid => FeatureWire {
                value: self.computed,
                valid: true,
                reason: None,
                computed: None,
            },
            Validity::Invalid(r) => FeatureWire {
                value: None,
                valid: false,
                reason: Some(r.clone()),
                computed: self.computed,
            },
        };
        wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Feature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let w = FeatureWire::deserialize(d)?;
        Ok(match (w.valid, w.value) {
            (true, Some(v)) => Feature::from_value(v),
            _ => Feature {
                computed: w.computed.filter(|v| v.is_finite()),
                validity: Validity::Invalid(w.reason.unwrap_or(Invalid::Missing)),
            },
        })
    }
}
