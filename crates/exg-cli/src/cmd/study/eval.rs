//! `exg eval`: a described model on every record of a dataset (classes matched by name).

use std::path::PathBuf;

use anyhow::Context;
use candle::Device;
use exg_model::Ensemble;

use super::DatasetArgs;

/// `exg eval` options.
#[derive(clap::Args)]
pub struct Args {
    /// The model: a described `.safetensors` file (one network or an ensemble).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Rename a data class to a model class, `DATA=MODEL` (repeatable), e.g. `--map AFIB=A`
    /// to score a CinC 2017 model on MIT-BIH AF windows.
    #[arg(long = "map", value_name = "DATA=MODEL", value_parser = parse_map)]
    pub map: Vec<(String, String)>,
    /// Also write one row per record (`id,label,predicted,seconds,p_<class>...`) to this CSV.
    #[arg(long, value_name = "FILE")]
    pub predictions: Option<PathBuf>,
    /// Print the result as JSON: `accuracy`, `macro_f1`, `per_class`, `confusion`, and
    /// `f1_nao` for cinc2017.
    #[arg(long)]
    pub json: bool,
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .ok_or_else(|| format!("`{s}`: expected DATA=MODEL, e.g. AFIB=A"))
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (nets, meta) = Ensemble::load_described(&args.model, &Device::Cpu)
        .with_context(|| format!("loading model {}", args.model.display()))?;
    let data = args.data.load()?;
    // The dataset's challenge classes (CinC 2017: N, A, O), as its study configuration names them.
    let score = exg_train::study::StudyConfig::for_dataset(&data.name).score_classes;
    let result = exg_train::study::evaluate_model(&nets, &meta, &data, &args.map, &score)
        .with_context(|| format!("evaluating on {}", data.name))?;
    let (eval, predictions) = (&result.evaluation, &result.predictions);
    if let Some(path) = &args.predictions {
        let csv = exg_train::study::predictions_csv(&meta.classes, &[(0, predictions)]);
        super::write_text(path, &csv)?;
    }
    if args.json {
        let mut v = serde_json::to_value(eval)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("dataset".into(), data.name.clone().into());
            obj.insert("model".into(), serde_json::json!(args.model));
            obj.insert("skipped".into(), serde_json::json!(data.skipped));
            obj.insert("refused".into(), serde_json::json!(result.refused));
            if !score.is_empty() {
                obj.insert("f1_nao".into(), serde_json::json!(eval.subset_f1));
            }
        }
        println!("{}", serde_json::to_string(&v)?);
    } else {
        let nao = eval
            .subset_f1
            .map_or(String::new(), |f| format!(", F1(N,A,O) {f:.3}"));
        println!(
            "{} records of {}: accuracy {:.3}, macro-F1 {:.3}{nao} ({} unreadable, {} refused by \
             the model)",
            eval.records,
            data.name,
            eval.accuracy,
            eval.macro_f1,
            data.skipped.len(),
            result.refused.len()
        );
        for (id, reason) in &result.refused {
            println!("  refused {id}: {reason}");
        }
        for (c, m) in eval.classes.iter().zip(&eval.per_class) {
            let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
            println!(
                "  {c}: support {}, sensitivity {}, specificity {}, F1 {}",
                m.support,
                f(m.sensitivity),
                f(m.specificity),
                f(m.f1)
            );
        }
    }
    Ok(())
}
