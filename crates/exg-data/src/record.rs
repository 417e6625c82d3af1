//! The one in-memory record type every reader produces.

use std::collections::BTreeMap;

use exg_signal::{Ecg, Hz};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One channel (lead) of a record, in physical units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Lead name as written in the file ("MLII", "II", "V5", ...); readers invent
    /// `"ch<N>"` only when the file names none.
    pub name: String,
    /// Physical units ("mV", "uV", ...).
    pub units: String,
    /// ADC units per physical unit, when the format has one (WFDB, EDF); `None` for text/float files.
    pub gain: Option<f64>,
    /// Physical values. A WFDB/EDF "invalid sample" sentinel becomes NaN (documented per reader).
    pub samples: Vec<f64>,
}

/// Annotation at a sample (beat label, rhythm change, EDF+ event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// 0-based sample index into the record.
    pub sample: usize,
    /// Symbol / description: WFDB beat symbol ("N", "V", "+"...) or EDF+ text.
    pub label: String,
    /// Auxiliary text (WFDB aux, e.g. "(AFIB"), empty when absent.
    pub aux: String,
    /// Duration in seconds (EDF+), when known.
    pub duration_s: Option<f64>,
}

/// Free-form metadata: everything the file says besides the samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Record name (file stem).
    pub record: String,
    /// Key/value pairs, e.g. `Age`, `Sex`, `Dx` from CinC header comments.
    pub fields: BTreeMap<String, String>,
    /// Comment lines kept verbatim (without the leading `#`).
    pub comments: Vec<String>,
    /// Labels attached to the record (SNOMED codes, rhythm names...), when the source has them.
    pub labels: Vec<String>,
}

/// A multi-channel record: channels sharing one sampling rate, plus metadata and annotations.
///
/// Every channel has the same number of samples (checked in [`Record::new`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Format it was read from ("wfdb", "mat4", "edf", "wav", "csv", "chapman-csv").
    pub format: String,
    /// Sampling rate shared by every channel.
    pub fs: Hz,
    /// The channels.
    pub channels: Vec<Channel>,
    /// Metadata.
    pub metadata: Metadata,
    /// Annotations (empty unless the format carries them or they were loaded alongside).
    pub annotations: Vec<Annotation>,
}

impl Record {
    /// Builds a record; fails when channels differ in length or there are none.
    pub fn new(format: impl Into<String>, fs: Hz, channels: Vec<Channel>) -> Result<Self> {
        let Some(first) = channels.first() else {
            return Err(Error::InvalidArgument(
                "a record needs at least one channel".into(),
            ));
        };
        let n = first.samples.len();
        if let Some(bad) = channels.iter().find(|c| c.samples.len() != n) {
            return Err(Error::InvalidArgument(format!(
                "channel {} has {} samples, channel {} has {n}",
                bad.name,
                bad.samples.len(),
                first.name
            )));
        }
        Ok(Self {
            format: format.into(),
            fs,
            channels,
            metadata: Metadata::default(),
            annotations: Vec::new(),
        })
    }

    /// Samples per channel.
    pub fn n_samples(&self) -> usize {
        self.channels.first().map_or(0, |c| c.samples.len())
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.fs.seconds(self.n_samples())
    }

    /// Index of the channel called `name`. Case-insensitive; "II" also matches "MLII" and
    /// "MLII" matches "II" (MIT-BIH's modified lead II), so one name works across datasets.
    pub fn channel_index(&self, name: &str) -> Option<usize> {
        let norm = |s: &str| {
            let s = s.trim().to_ascii_uppercase();
            s.strip_prefix("ML").map(str::to_owned).unwrap_or(s)
        };
        let want = name.trim().to_ascii_uppercase();
        self.channels
            .iter()
            .position(|c| c.name.trim().eq_ignore_ascii_case(&want))
            .or_else(|| {
                self.channels
                    .iter()
                    .position(|c| norm(&c.name) == norm(&want))
            })
    }

    /// One lead as an [`Ecg`] (carrying the rate and the lead name), selected by index.
    pub fn ecg(&self, index: usize) -> Result<Ecg> {
        let ch = self
            .channels
            .get(index)
            .ok_or_else(|| Error::NoSuchChannel(index.to_string()))?;
        Ok(Ecg::new(ch.samples.clone(), self.fs)?.with_lead(ch.name.clone()))
    }

    /// One lead as an [`Ecg`], selected by name (see [`Record::channel_index`]).
    pub fn lead(&self, name: &str) -> Result<Ecg> {
        let i = self
            .channel_index(name)
            .ok_or_else(|| Error::NoSuchChannel(name.to_owned()))?;
        self.ecg(i)
    }
}
