//! `exg train`: trains the deployable model on every record of a dataset and writes a run
//! folder (`config.json`, `metrics.json`, `epochs.csv`, `model.safetensors`, `report.md`,
//! `figures/`).

use anyhow::Context;

use super::{DatasetArgs, Display, RunArgs};

/// `exg train` options.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DatasetArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let cfg = args.run.study_config(&args.data.dataset)?;
    let Some(data) = super::config_or_data(&args.run, &args.data, &cfg)? else {
        return Ok(());
    };
    let mut display = Display::new();
    let (_, result) =
        exg_train::study::train_model(&data, &cfg, &args.run.out, &args.run.options()?, &mut |p| {
            display.show(p)
        })
        .with_context(|| format!("training on {}", data.name))?;
    super::report::train_report(&args.run.out, &data, &cfg, &result)?;
    if args.run.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        let val = result.validation.as_ref().map_or(String::new(), |v| {
            format!(
                ", validation accuracy {:.3}, macro-F1 {:.3}",
                v.accuracy, v.macro_f1
            )
        });
        println!(
            "trained on {} records ({} epochs, selected {}){val}; model: {}",
            data.records.len(),
            result.history.len(),
            result.selected_epoch,
            args.run.out.join("model.safetensors").display()
        );
    }
    Ok(())
}
