//! Prints, per rhythm, how the HRV attention target agrees with the cardiologists' delineation
//! of LUDB (lead ii): the share of its mass on annotated P, QRS and T waves and the share of
//! annotated QRS complexes it covers. The table is in `docs/xai.md`.
//!
//! ```text
//! cargo run --release -p exg-xai --example ludb_targets
//! ```
//!
//! Reads `$EXG_DATA_DIR/ludb`, else `../shared/data/ludb` beside the workspace.

#[path = "../tests/support/ludb.rs"]
mod ludb;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = exg_data::testdata::dir("ludb") else {
        return Ok(());
    };
    let results = ludb::evaluate(&dir)?;
    for (i, r) in results.iter().enumerate() {
        if let Err(why) = &r.target {
            println!("record {}: no target: {why}", i + 1);
        }
    }
    print!("{}", ludb::markdown(&ludb::by_rhythm(&results)));
    Ok(())
}
