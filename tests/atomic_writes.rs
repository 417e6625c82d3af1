//! Every kind of file the library writes survives a kill during the save: a child process of
//! this test binary rewrites a described model, a training checkpoint, a study's JSON
//! (`write_atomic`), an `epochs.csv` and a PNG figure in a loop, alternating two versions; the
//! parent kills it at several moments and then requires each file to be whole — exactly the old
//! or the new version, readable by its reader — and no temporary file to be taken for the
//! real one (issue 12, "Files").

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use candle::{DType, Device};
use exg::model::init::SeededVarMap;
use exg::model::{Classifier, ExgNet, ExgNetConfig, ModelMeta, Preprocessing};
use exg::train::report::{LearningCurves, write_epochs_csv};
use exg::train::trainer::EpochLog;

const CHILD_ENV: &str = "EXG_ATOMIC_TEST_CHILD_DIR";

fn history(version: usize) -> Vec<EpochLog> {
    (1..=3 + version)
        .map(|epoch| EpochLog {
            epoch,
            lr: 1e-3,
            loss: 1.0 / epoch as f64,
            ce: 0.5,
            ce_features: 0.3,
            xai: 0.2,
            xai_skipped: 0,
            train_accuracy: 0.5,
            val_score: Some(0.4),
            val_accuracy: Some(0.4),
            seconds: 1.0,
        })
        .collect()
}

/// Version `v` (0 or 1) of the model: weights from seed `v`.
fn model(v: usize) -> ExgNet {
    let cfg = ExgNetConfig::tiny();
    ExgNet::new(
        &cfg,
        SeededVarMap::new(v as u64).var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap()
}

fn meta() -> ModelMeta {
    ModelMeta::new(
        vec!["a".into(), "b".into(), "c".into()],
        Preprocessing::zscore_at(100.0),
        "atomic-writes test",
    )
}

fn write_all(dir: &Path, v: usize, net: &ExgNet) {
    net.save_described(&dir.join("model.safetensors"), &meta())
        .unwrap();
    exg::train::checkpoint::save(
        &dir.join("last.safetensors"),
        &net.named_tensors(),
        &serde_json::json!({ "version": v }),
    )
    .unwrap();
    let json =
        serde_json::to_vec(&serde_json::json!({ "version": v, "pad": vec![v; 20_000] })).unwrap();
    exg::model::described::write_atomic(&dir.join("metrics.json"), &json).unwrap();
    write_epochs_csv(&dir.join("epochs.csv"), &history(v)).unwrap();
    LearningCurves::new(format!("version {v}"))
        .with_run("run", &history(v), None)
        .render(&dir.join("curves.png"))
        .unwrap();
}

/// The child role: rewrites every file forever, alternating versions. Does nothing when run as
/// a normal test.
#[test]
fn child_role_rewrite_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let nets = [model(0), model(1)];
    for i in 0.. {
        write_all(&dir, i % 2, &nets[i % 2]);
        std::fs::write(dir.join("rounds"), i.to_string()).unwrap();
    }
}

/// Which version `dir`'s files hold; panics on a torn or unreadable file.
fn check_whole(dir: &Path) {
    let dev = Device::Cpu;
    let params = |n: &ExgNet| -> Vec<f32> {
        n.named_tensors()[0]
            .1
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    let versions = [params(&model(0)), params(&model(1))];
    let (loaded, m) = ExgNet::load_described(&dir.join("model.safetensors"), &dev)
        .expect("the model file is whole");
    assert_eq!(m.dataset, meta().dataset);
    assert!(versions.contains(&params(&loaded)));
    let (_, state): (_, serde_json::Value) =
        exg::train::checkpoint::load(&dir.join("last.safetensors"), &dev)
            .expect("the checkpoint is whole");
    assert!(state["version"].as_u64().unwrap() < 2);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap())
            .expect("the JSON is whole");
    assert_eq!(json["pad"].as_array().unwrap().len(), 20_000);
    let csv = std::fs::read_to_string(dir.join("epochs.csv")).unwrap();
    let rows = exg::train::report::parse_epochs_csv(&csv).expect("the CSV is whole");
    assert!(rows == history(0) || rows == history(1));
    let png = std::fs::File::open(dir.join("curves.png")).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(png))
        .read_info()
        .expect("the PNG header is whole");
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).expect("the PNG is whole");
}

#[test]
fn files_are_whole_after_a_kill_at_any_moment() {
    let dir = std::env::temp_dir().join(format!("exg-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Kill at staggered moments so that the kills land in different files' saves.
    for (k, delay_ms) in [0u64, 7, 23, 41, 89].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_role_rewrite_until_killed", "--nocapture"])
            .env(CHILD_ENV, &dir)
            .spawn()
            .unwrap();
        // The first time, wait until one full round exists.
        let start = Instant::now();
        while k == 0 && !dir.join("rounds").exists() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "child wrote nothing"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(150 + delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        check_whole(&dir);
    }
    std::fs::remove_dir_all(&dir).ok();
}
