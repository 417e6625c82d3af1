//! The main job (`examples/quickstart.rs`) runs end to end in quick mode and writes its run
//! folder: the self-describing model, metrics, per-epoch CSV, report and figures.

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[test]
fn quickstart_runs_in_quick_mode() {
    let out = std::env::temp_dir().join(format!("exg-quickstart-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let s = quickstart::run(true, &out).expect("quickstart runs");
    for f in [
        "model.safetensors",
        "metrics.json",
        "epochs.csv",
        "report.md",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(s.test.records > 0);
    assert!((0.0..=1.0).contains(&s.test.accuracy));
    assert!(s.cam_target_ncc.is_finite());
    // The generator's beats are found by the default detector.
    assert!(
        s.rpeaks_se_ppv.0 > 0.95 && s.rpeaks_se_ppv.1 > 0.95,
        "{:?}",
        s.rpeaks_se_ppv
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Confusion matrix"));
    let figures = std::fs::read_dir(out.join("figures")).unwrap().count();
    assert!(figures >= 1, "no explanation figure");
    let _ = std::fs::remove_dir_all(&out);
}
