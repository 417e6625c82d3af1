//! The HRV attention target against cardiologists: LUDB's hand delineation of lead ii.
//!
//! Expected values: the bounds sit below what `cargo run --release -p exg-xai --example
//! ludb_targets` measured when the defaults were chosen (table in `docs/xai.md`: 197 of 200
//! records with a target; 72 % of the mass on annotated waves against 43 % for a uniform map;
//! 99.7 % of annotated QRS complexes covered), with margins for detector changes.

#[path = "support/ludb.rs"]
mod ludb;

#[test]
fn target_agrees_with_ludb_delineation() {
    let Some(dir) = exg_data::testdata::dir("ludb") else {
        return;
    };
    let results = ludb::evaluate(&dir).unwrap();
    assert_eq!(results.len(), 200);
    let rows = ludb::by_rhythm(&results);
    println!("{}", ludb::markdown(&rows));
    let all = rows.last().unwrap();
    assert_eq!(all.rhythm, "all");
    // Records without a target are few and each has a typed reason (checked by the type).
    assert!(
        all.with_target >= 194,
        "{} records with a target",
        all.with_target
    );
    assert!(
        all.qrs_coverage() >= 0.98,
        "QRS coverage {}",
        all.qrs_coverage()
    );
    assert!(all.mass[3] >= 0.65, "mass on waves {}", all.mass[3]);
    assert!(all.mass[1] >= 0.6, "mass on QRS {}", all.mass[1]);
    for r in rows.iter().filter(|r| r.records >= 10) {
        // Better than chance (a uniform map) by a clear margin, and nearly every QRS covered.
        assert!(
            r.mass[3] >= r.uniform_waves + 0.1,
            "{}: mass on waves {:.2} vs uniform {:.2}",
            r.rhythm,
            r.mass[3],
            r.uniform_waves
        );
        assert!(
            r.qrs_coverage() >= 0.95,
            "{}: {}",
            r.rhythm,
            r.qrs_coverage()
        );
    }
}
