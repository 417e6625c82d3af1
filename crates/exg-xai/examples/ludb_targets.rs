//! Prints, per rhythm, how a map agrees with the cardiologists' delineation of LUDB (lead ii):
//! the share of its mass on annotated P, QRS and T waves and the share of annotated QRS
//! complexes it covers. Without arguments the map is the HRV attention target; with
//! `--model M` (a self-describing model file, e.g. from `examples/cinc2017_holdout.rs`) it is
//! that model's Grad-CAM for its predicted class ("attention similar to a cardiologist's
//! focus", measured). Both tables are in `docs/xai.md`.
//!
//! ```text
//! cargo run --release -p exg-xai --example ludb_targets
//! cargo run --release -p exg-xai --example ludb_targets -- --model runs/cinc2017/model.safetensors
//! ```
//!
//! Reads `$EXG_DATA_DIR/ludb`, else `../shared/data/ludb` beside the workspace.

#[path = "../tests/support/ludb.rs"]
mod ludb;

use candle::{DType, Device, Tensor};
use exg_model::ExgNet;
use exg_signal::Hz;
use exg_signal::filter::{Preprocess, Resample, ZScore};
use exg_xai::Saliency;
use exg_xai::saliency::{GradCam, Resolution, TargetClass};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = exg_data::testdata::dir("ludb") else {
        return Ok(());
    };
    let args: Vec<String> = std::env::args().collect();
    let model = args
        .iter()
        .position(|a| a == "--model")
        .and_then(|i| args.get(i + 1));
    let results = match model {
        None => ludb::evaluate(&dir)?,
        Some(path) => {
            let (net, meta) = ExgNet::load_described(path.as_ref(), &Device::Cpu)?;
            let t = net.config().input_len;
            let fs = Hz::new(meta.preprocessing.resample_hz)?;
            ludb::evaluate_maps(&dir, &|ecg| {
                // The model's preprocessing (resampling, z-score), one window: LUDB records are
                // 10 s, the model's window; a shorter record is zero-padded.
                let x = ZScore.apply(&Resample::to(fs).apply(ecg)?)?;
                let mut v: Vec<f32> = x.samples().iter().map(|&s| s as f32).collect();
                let n = v.len().min(t);
                v.resize(t, 0.0);
                let xs = Tensor::from_vec(v, (1, 1, t), &Device::Cpu)?;
                let e = GradCam::default().explain(
                    &net,
                    &xs,
                    TargetClass::Predicted,
                    Resolution::Length(t),
                )?;
                let map = e.maps.to_dtype(DType::F32)?.narrow(1, 0, n)?;
                let map = exg_xai::resample(&map, ecg.len())?
                    .flatten_all()?
                    .to_vec1::<f32>()?;
                Ok(Ok(map))
            })?
        }
    };
    for (i, r) in results.iter().enumerate() {
        if let Err(why) = &r.target {
            println!("record {}: no map: {why}", i + 1);
        }
    }
    print!("{}", ludb::markdown(&ludb::by_rhythm(&results)));
    Ok(())
}
