//! The one in-memory record type every reader produces.

use std::collections::BTreeMap;

use exg_signal::synthetic::SyntheticEcg;
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

    /// A synthetic record ([`exg_signal::synthetic`]) as a [`Record`] (format `"synthetic"`):
    /// one channel in mV, one WFDB-style beat annotation (`N`/`V`) per true R-peak, the rhythm
    /// code (`SR`, `AFIB`, ...) in [`Metadata::labels`] and in the record name.
    ///
    /// ```
    /// use exg_data::Record;
    /// use exg_signal::{Hz, synthetic::{generate, SyntheticConfig}};
    /// let syn = generate(&SyntheticConfig::new(Hz::new(250.0)?, 10.0))?;
    /// let rec = Record::from_synthetic(&syn)?;
    /// assert_eq!(rec.metadata.record, "synthetic-SR");
    /// assert_eq!(rec.annotations.len(), syn.r_peaks.len());
    /// assert_eq!(rec.ecg(0)?.samples(), syn.ecg.samples());
    /// # Ok::<(), exg_data::Error>(())
    /// ```
    pub fn from_synthetic(syn: &SyntheticEcg) -> Result<Self> {
        let ch = Channel {
            name: syn.ecg.lead().unwrap_or("II").to_owned(),
            units: "mV".into(),
            gain: None,
            samples: syn.ecg.samples().to_vec(),
        };
        let mut rec = Record::new("synthetic", syn.ecg.fs(), vec![ch])?;
        rec.metadata.record = format!("synthetic-{}", syn.rhythm.code());
        rec.metadata.labels = vec![syn.rhythm.code().to_owned()];
        rec.annotations = syn
            .r_peaks
            .indices()
            .iter()
            .zip(&syn.beats)
            .map(|(&sample, kind)| Annotation {
                sample,
                label: kind.symbol().to_owned(),
                aux: String::new(),
                duration_s: None,
            })
            .collect();
        Ok(rec)
    }
}
