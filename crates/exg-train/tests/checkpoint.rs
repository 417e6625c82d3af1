//! Checkpoints: round trip, typed errors on truncated / corrupt / foreign files, and atomicity
//! (a failed write leaves the old checkpoint intact and no temporary file behind).

use std::path::PathBuf;

use candle::{Device, Tensor};
use exg_train::Error;
use exg_train::checkpoint::{load, save, write_atomic};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-train-ckpt-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tensors() -> Vec<(String, Tensor)> {
    let dev = Device::Cpu;
    vec![
        (
            "net.w".into(),
            Tensor::new(&[[1f32, 2.0], [3.0, 4.0]], &dev).unwrap(),
        ),
        ("adam.m.0".into(), Tensor::new(&[0.5f32], &dev).unwrap()),
    ]
}

#[test]
fn round_trip() {
    let path = scratch("rt").join("c.safetensors");
    save(
        &path,
        &tensors(),
        &serde_json::json!({"epoch": 7, "rng": 12345u64}),
    )
    .unwrap();
    let (t, state): (_, serde_json::Value) = load(&path, &Device::Cpu).unwrap();
    assert_eq!(state["epoch"], 7);
    assert_eq!(state["rng"], 12345);
    assert_eq!(
        t["net.w"].to_vec2::<f32>().unwrap(),
        [[1.0, 2.0], [3.0, 4.0]]
    );
    assert_eq!(t.len(), 2);
}

#[test]
fn corrupt_truncated_and_foreign_files_are_typed_errors() {
    let dir = scratch("bad");
    let path = dir.join("c.safetensors");
    save(&path, &tensors(), &1u32).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated", bytes[..bytes.len() - 3].to_vec()),
        ("header only", bytes[..12].to_vec()),
        (
            "random",
            (0..200u32).map(|i| (i * 37 % 251) as u8).collect(),
        ),
    ];
    for (what, b) in cases {
        let p = dir.join(format!("{what}.safetensors"));
        std::fs::write(&p, b).unwrap();
        let r = load::<u32>(&p, &Device::Cpu);
        assert!(matches!(r, Err(Error::Checkpoint(_))), "{what}: {r:?}");
    }
    // A plain safetensors file without exg state.
    let foreign = dir.join("foreign.safetensors");
    candle::safetensors::save(
        &std::collections::HashMap::from([("w".to_string(), tensors()[0].1.clone())]),
        &foreign,
    )
    .unwrap();
    let err = load::<u32>(&foreign, &Device::Cpu).unwrap_err();
    assert!(err.to_string().contains("not an exg checkpoint"), "{err}");
    // Missing file: Io.
    assert!(matches!(
        load::<u32>(&dir.join("absent"), &Device::Cpu),
        Err(Error::Io { .. })
    ));
}

#[test]
fn a_failed_write_keeps_the_old_file() {
    let dir = scratch("atomic");
    let path = dir.join("c.json");
    write_atomic(&path, b"old").unwrap();
    // Writing into a folder that does not exist fails before touching `path`.
    assert!(write_atomic(&dir.join("missing/c.json"), b"new").is_err());
    // A target that is a directory: the rename fails; the temporary file is cleaned up.
    let blocked = dir.join("blocked");
    std::fs::create_dir_all(blocked.join("inner")).unwrap();
    assert!(write_atomic(&blocked, b"new").is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
