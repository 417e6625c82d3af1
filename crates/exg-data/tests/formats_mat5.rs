//! MAT v5 files opened as records (`format::open_with`), as `exg peaks data_00001.mat --fs 500`
//! does: every CPSC 2019 record of `../shared/data/cpsc2019`.
//!
//! Expected values: the folder's `index.csv` (PROVENANCE.md: derived with SciPy's `loadmat`,
//! columns `n_samples`, `ecg_min`, `ecg_max` rounded to 4 decimals), and the CPSC 2019 dataset
//! reader (`dataset::cpsc2019::read`, which reads the `ecg` variable by name). The test skips
//! with a printed reason when the data is absent (and fails under `EXG_REQUIRE_DATA=1`).

use exg_data::dataset::cpsc2019;
use exg_data::format::{Format, OpenOptions, detect, open_with};
use exg_signal::Hz;

#[test]
fn cpsc2019_records_open_as_one_lead_records() {
    let Some(index) = exg_data::testdata::dir("cpsc2019/index.csv") else {
        return;
    };
    let dir = index.parent().unwrap();
    let options = OpenOptions {
        fs: Some(Hz::new(500.0).unwrap()),
        ..OpenOptions::default()
    };
    let text = std::fs::read_to_string(&index).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (n_col, min_col, max_col) = (col("n_samples"), col("ecg_min"), col("ecg_max"));
    let mut checked = 0;
    for row in rows.filter(|r| !r.is_empty()) {
        let f: Vec<&str> = row.split(',').collect();
        let path = dir.join("data").join(format!("data_{}.mat", f[0]));
        assert_eq!(detect(&path).unwrap(), Format::Mat5, "{}", path.display());
        let rec = open_with(&path, &options).unwrap();
        assert_eq!((rec.format.as_str(), rec.channels.len()), ("mat5", 1));
        let x = &rec.channels[0].samples;
        assert_eq!(x.len(), f[n_col].parse::<usize>().unwrap(), "{}", f[0]);
        let (lo, hi) = x
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let close = |v: f64, want: &str| (v - want.parse::<f64>().unwrap()).abs() <= 5e-5;
        assert!(
            close(lo, f[min_col]) && close(hi, f[max_col]),
            "{}: {lo} {hi}",
            f[0]
        );
        // The same samples as the dataset reader's.
        assert_eq!(
            *x,
            cpsc2019::read(dir, f[0]).unwrap().ecg.samples(),
            "{}",
            f[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 99);
}
