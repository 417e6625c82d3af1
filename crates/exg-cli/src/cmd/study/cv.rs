//! `exg cv`: k-fold cross-validation by record on a dataset; writes a run folder with the
//! per-fold and mean ± sd metrics, per-record predictions, figures and `report.md`.

use anyhow::Context;

use super::{DatasetArgs, Display, RunArgs};

/// `exg cv` options.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DatasetArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Number of folds (overrides the configuration).
    #[arg(long)]
    pub folds: Option<usize>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut cfg = args.run.study_config(&args.data.dataset)?;
    if let Some(k) = args.folds {
        cfg.folds = match cfg.folds {
            exg_train::cv::Folds::Stratified { seed, .. } => {
                exg_train::cv::Folds::Stratified { k, seed }
            }
            exg_train::cv::Folds::Sklearn { seed, .. } => exg_train::cv::Folds::Sklearn { k, seed },
        };
    }
    let Some(data) = super::config_or_data(&args.run, &args.data, &cfg)? else {
        return Ok(());
    };
    let mut display = Display::new();
    let result = exg_train::study::cross_validate(
        &data,
        &cfg,
        &args.run.out,
        &args.run.options()?,
        &mut |p| display.show(p),
    )
    .with_context(|| format!("cross-validating on {}", data.name))?;
    super::report::cv_report(&args.run.out, &data, &cfg, &result)?;
    if args.run.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        let s = &result.summary;
        let subset = s.subset_f1.as_ref().map_or(String::new(), |f| {
            format!(
                ", F1({}) {:.3} ± {:.3}",
                result.score_classes.join(","),
                f.mean,
                f.sd
            )
        });
        println!(
            "{} folds: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}{subset}; report: {}",
            result.folds.len(),
            s.accuracy.mean,
            s.accuracy.sd,
            s.macro_f1.mean,
            s.macro_f1.sd,
            args.run.out.join("report.md").display()
        );
    }
    Ok(())
}
