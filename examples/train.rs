//! Training through the study API: a dataset from the catalog, a study configuration, a run
//! folder, then the deployable model evaluated on records it has never seen.
//!
//! The built-in synthetic dataset needs no download; any catalog dataset
//! (`DatasetSpec::Cinc2017 { dir }`, ...) goes through the same calls. Records per class and
//! epochs are kept small so that this runs in seconds: expect a weak model (the quickstart and
//! `exg train` train for real).
//!
//! ```sh
//! cargo run --release --example train                    # run folder in a temporary directory
//! cargo run --release --example train -- runs/example    # keep it (must not hold a run yet)
//! cargo run --release --example explain -- runs/example/model.safetensors
//! ```

use std::path::Path;

use anyhow::Result;
use candle::Device;
use exg::data::dataset::catalog::{DatasetSpec, SyntheticClasses};
use exg::model::Ensemble;
use exg::train::progress::Console;
use exg::train::report::evaluation_table;
use exg::train::study::{RunOptions, StudyConfig, StudyData, evaluate_model, train_model};

/// `per_class` 10-s synthetic records of the paper's five classes, drawn from `seed`.
fn synthetic(per_class: usize, seed: u64) -> Result<StudyData> {
    let spec = DatasetSpec::Synthetic {
        per_class,
        duration_s: 10.0,
        fs_hz: 250.0,
        seed,
        classes: SyntheticClasses::Paper5,
    };
    // The catalog never drops a record silently: unreadable ones stay listed in `skipped`.
    Ok(StudyData::from(spec.load()?))
}

/// Trains into `out` (created; a folder that already holds a run is refused).
fn run(out: &Path) -> Result<()> {
    let data = synthetic(30, 2025)?;
    println!(
        "{}: {} records, classes {:?}",
        data.name,
        data.records.len(),
        data.classes
    );

    // The dataset's documented defaults (EXGnet `edge` at 125 Hz, 10-s windows, the full
    // three-term objective), shortened. The whole configuration is saved as `config.json`.
    let mut cfg = StudyConfig::for_dataset("synthetic");
    cfg.train.epochs = 12;
    cfg.train.batch_size = 8;

    // `Console` draws a bar per epoch on a terminal and one line per epoch in a log.
    let mut console = Console::new();
    // `cross_validate` takes the same arguments and reports k folds by record instead.
    let (_, result) = train_model(&data, &cfg, out, &RunOptions::default(), &mut |p| {
        console.show(p)
    })?;
    println!(
        "trained {} parameters, kept epoch {} of {}",
        result.params,
        result.selected_epoch,
        result.history.len()
    );
    if let Some(v) = &result.validation {
        println!(
            "validation: accuracy {:.3}, macro-F1 {:.3}",
            v.accuracy, v.macro_f1
        );
    }

    // The run folder's model describes itself; evaluate it the way a user of the file would,
    // on new records (another seed), each preprocessed as the file says.
    let (model, meta) = Ensemble::load_described(&out.join("model.safetensors"), &Device::Cpu)?;
    let test = synthetic(10, 99)?;
    let eval = evaluate_model(&model, &meta, &test, &[], &[])?.evaluation;
    println!(
        "\nheld-out: {} records, accuracy {:.3}, macro-F1 {:.3} (chance {:.2})",
        eval.records,
        eval.accuracy,
        eval.macro_f1,
        1.0 / eval.classes.len() as f64
    );
    let (headers, rows) = evaluation_table(&eval);
    for row in std::iter::once(&headers).chain(&rows) {
        println!(
            "  {}",
            row.iter().map(|c| format!("{c:>12}")).collect::<String>()
        );
    }
    let files: Vec<String> = std::fs::read_dir(out)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    println!("\nrun folder {}: {files:?}", out.display());
    Ok(())
}

/// [`run`] in a temporary folder, removed afterwards.
fn run_in_temp_dir() -> Result<()> {
    let tmp = std::env::temp_dir().join(format!("exg-train-{}", std::process::id()));
    let result = run(&tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

// Unused when `cargo test` builds the example with the test harness.
#[cfg_attr(test, allow(dead_code))]
fn main() -> Result<()> {
    match std::env::args().nth(1) {
        Some(out) => run(Path::new(&out)),
        None => run_in_temp_dir(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::run_in_temp_dir().unwrap();
    }
}
