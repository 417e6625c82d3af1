//! `exg train`, `exg cv` and `exg eval`: studies on a named dataset (what they share: the
//! dataset options, the study configuration, progress display and the run folder's report).

use std::path::{Path, PathBuf};

use anyhow::Context;
use exg_data::dataset::catalog::DatasetSpec;
use exg_data::dataset::chapman::{Chapman, QUANTITATIVE_COLUMNS};
use exg_train::prepare::FeatureSource;
use exg_train::study::{Ablation, StudyConfig, StudyData};

pub mod cv;
pub mod eval;
pub mod fuse;
pub mod report;
pub mod train;

pub use exg_train::progress::Console as Display;

/// Dataset options shared by `train`, `cv` and `eval`.
#[derive(clap::Args, Clone, Debug)]
pub struct DatasetArgs {
    /// `synthetic` (built in, no download), `cinc2017`, `chapman`, `ningbo`, `cinc2021`, `mitdb`.
    #[arg(long, default_value = "synthetic")]
    pub dataset: String,
    /// The dataset's folder in its original release layout (`docs/datasets.md`); not used by
    /// `synthetic`.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Classes: `group4`, `paper5` or `paper6` for `chapman`, `ningbo` and `cinc2021` (default
    /// `group4`); `paper5` or `all` for `synthetic`; rhythm codes such as `N,AFIB` for `mitdb`.
    #[arg(long)]
    pub classes: Option<String>,
    /// Lead of 12-lead datasets (`chapman`, `ningbo`, `cinc2021`; default `II`) or channel name
    /// of `mitdb` (default: channel 0).
    #[arg(long)]
    pub lead: Option<String>,
    /// Records per class of `synthetic` (default 160).
    #[arg(long, value_name = "N")]
    pub per_class: Option<usize>,
}

impl DatasetArgs {
    /// The dataset these options name.
    pub fn spec(&self) -> anyhow::Result<DatasetSpec> {
        if self.dataset != "synthetic" && self.data_dir.is_none() {
            anyhow::bail!("--dataset {} needs --data-dir DIR", self.dataset);
        }
        let mut spec = DatasetSpec::new(&self.dataset, self.data_dir.clone())?;
        if let Some(c) = &self.classes {
            spec = spec.with_classes(c)?;
        }
        if let Some(l) = &self.lead {
            spec = spec.with_lead(l)?;
        }
        if let Some(n) = self.per_class {
            match &mut spec {
                DatasetSpec::Synthetic { per_class, .. } => *per_class = n,
                _ => anyhow::bail!("--per-class is an option of --dataset synthetic"),
            }
        }
        Ok(spec)
    }

    /// Refuses datasets whose records are windows of longer recordings (`mitdb`): their windows
    /// would land in both the training and the test records of a study.
    pub fn require_independent_records(&self) -> anyhow::Result<()> {
        if self.dataset == "mitdb" {
            anyhow::bail!(
                "--dataset mitdb gives 10-s windows of 48 patients' records; training or cross-validating on them would put one patient in several folds. Use it with `exg eval`"
            );
        }
        Ok(())
    }

    /// Loads the dataset; unreadable records are reported on stderr and kept in the list.
    pub fn load(&self) -> anyhow::Result<StudyData> {
        let spec = self.spec()?;
        let set = spec
            .load()
            .with_context(|| format!("loading dataset {}", self.dataset))?;
        if !set.skipped.is_empty() {
            eprintln!(
                "exg: {} record(s) of {} could not be read and are left out (listed in the run's metrics.json)",
                set.skipped.len(),
                set.name
            );
        }
        Ok(StudyData::from(set))
    }
}

/// Options of a training run shared by `train` and `cv`.
#[derive(clap::Args, Clone, Debug)]
pub struct RunArgs {
    /// The run folder (created; see `docs/cli.md` for its files).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A study configuration (JSON, `exg_train::study::StudyConfig`; fields left out keep the
    /// dataset's default). Print the default with `--print-config`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Training epochs (overrides the configuration).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seed of the folds, the batch order and the initial weights (overrides the configuration).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The feature branch's inputs: `computed` (EXGnet's 17 HRV features of each window, the
    /// default) or `diagnostics` (`--dataset chapman`: the 11 GE MUSE measurements of
    /// `Diagnostics.xlsx`, as the EXGnet authors did; sets `model.aux.n_features` to 11).
    #[arg(long, value_enum)]
    pub features: Option<FeaturesArg>,
    /// Switch one component off: `full`, `no-xai`, `no-features`, `plain-conv`.
    #[arg(long, default_value = "full", value_parser = parse_ablation)]
    pub ablation: Ablation,
    /// Continue the run in `--out` where it stopped.
    #[arg(long)]
    pub resume: bool,
    /// Preparation cache folder (default `<out>/cache`); share one between ablations.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Device: `cpu`, or `cuda` (needs a build with `--features cuda`; untested here).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Print the resolved configuration as JSON and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Values of `--features`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeaturesArg {
    /// EXGnet's 17 time-domain HRV features, computed on each window.
    Computed,
    /// Chapman's `Diagnostics.xlsx` measurements (11 columns), one set per record.
    Diagnostics,
}

fn parse_ablation(s: &str) -> Result<Ablation, String> {
    Ablation::ALL
        .into_iter()
        .find(|a| a.name() == s)
        .ok_or_else(|| format!("unknown ablation `{s}` (full, no-xai, no-features, plain-conv)"))
}

impl RunArgs {
    /// The study configuration: the dataset's default, the `--config` file over it, then the
    /// flags, then the ablation.
    pub fn study_config(&self, dataset: &str) -> anyhow::Result<StudyConfig> {
        let mut cfg = match &self.config {
            None => StudyConfig::for_dataset(dataset),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let mut base = serde_json::to_value(StudyConfig::for_dataset(dataset))?;
                let over: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not JSON", path.display()))?;
                merge(&mut base, over);
                serde_json::from_value(base)
                    .with_context(|| format!("{}: not a study configuration", path.display()))?
            }
        };
        match self.features {
            None => {}
            Some(FeaturesArg::Computed) => cfg.features = FeatureSource::Computed,
            Some(FeaturesArg::Diagnostics) => {
                cfg.features = FeatureSource::Provided;
                if let Some(aux) = cfg.model.aux.as_mut() {
                    aux.n_features = QUANTITATIVE_COLUMNS.len();
                }
            }
        }
        if let Some(e) = self.epochs {
            cfg.train.epochs = e;
        }
        if let Some(s) = self.seed {
            cfg.train.seed = s;
            cfg.init_seed = s;
            cfg.folds = match cfg.folds {
                exg_train::cv::Folds::Stratified { k, .. } => {
                    exg_train::cv::Folds::Stratified { k, seed: s }
                }
                exg_train::cv::Folds::Sklearn { k, .. } => exg_train::cv::Folds::Sklearn {
                    k,
                    seed: u32::try_from(s)
                        .context("--seed must fit in 32 bits for sklearn folds")?,
                },
            };
        }
        self.ablation.apply(&mut cfg)?;
        Ok(cfg)
    }

    /// The `RunOptions` of these flags.
    pub fn options(&self) -> anyhow::Result<exg_train::study::RunOptions> {
        Ok(exg_train::study::RunOptions {
            resume: self.resume,
            cache_dir: self.cache.clone(),
            device: device(&self.device)?,
        })
    }
}

/// What `train` and `cv` do before training: with `--print-config`, print `cfg` and return
/// `None`; otherwise refuse window datasets and load the records.
pub fn config_or_data(
    run: &RunArgs,
    data: &DatasetArgs,
    cfg: &StudyConfig,
) -> anyhow::Result<Option<StudyData>> {
    if run.print_config {
        println!("{}", serde_json::to_string_pretty(cfg)?);
        return Ok(None);
    }
    data.require_independent_records()?;
    let mut study = data.load()?;
    if cfg.features == FeatureSource::Provided {
        attach_diagnostics(data, &mut study)?;
    }
    Ok(Some(study))
}

/// Gives every record of a Chapman study its `Diagnostics.xlsx` measurements
/// ([`QUANTITATIVE_COLUMNS`]) as provided features.
fn attach_diagnostics(data: &DatasetArgs, study: &mut StudyData) -> anyhow::Result<()> {
    let dir = match (data.dataset.as_str(), &data.data_dir) {
        ("chapman", Some(dir)) => dir,
        _ => anyhow::bail!(
            "provided features (`--features diagnostics`) come from Chapman's Diagnostics.xlsx: \
             use them with --dataset chapman (dataset here: {})",
            data.dataset
        ),
    };
    let db = Chapman::open(dir).with_context(|| format!("reading {}", dir.display()))?;
    for r in &mut study.records {
        let row = db
            .row(&r.id)
            .with_context(|| format!("record {} has no row in the diagnostics table", r.id))?;
        r.provided = Some(row.quantitative().into_iter().map(Some).collect());
    }
    Ok(())
}

/// The device `--device NAME` asks for.
pub fn device(name: &str) -> anyhow::Result<candle::Device> {
    match name {
        "cpu" => Ok(candle::Device::Cpu),
        "cuda" => candle::Device::new_cuda(0).context(
            "no CUDA device (exg must be built with `--features cuda` and a GPU must be present)",
        ),
        other => anyhow::bail!("unknown device `{other}` (cpu, cuda)"),
    }
}

/// Merges JSON object `over` into `base` key by key (objects recursively, anything else
/// replaced), so a configuration file need only name what it changes.
fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Writes `text` to `path` atomically.
pub fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    exg_train::checkpoint::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
