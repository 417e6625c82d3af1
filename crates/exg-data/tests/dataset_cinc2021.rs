//! CinC 2021 (Ningbo, Georgia, PTB-XL): SNOMED `Dx` codes and their rhythm groups.
//!
//! Expected codes and groups come from `labels.csv` in `../shared/data/ningbo_cinc2021/` and
//! `../shared/data/cinc2021_georgia_ptbxl/` (derived there from the headers' `#Dx` lines by the
//! data curators, with the code table of PROVENANCE.md). `Group4_from_Dx` is empty or `none`
//! for records without a rhythm code and `A|B` for records with rhythms in two groups.

use std::path::{Path, PathBuf};

use exg_data::dataset::{
    Assignment, ClassScheme, Exclusion, Group4, Paper6, Tally, assign, cinc2021,
};

fn data_dir(sub: &str) -> Option<PathBuf> {
    exg_data::testdata::dir(format!("{sub}/labels.csv")).map(|f| f.parent().unwrap().to_path_buf())
}

/// (record, codes, group) from labels.csv, parsed here.
fn expected(dir: &Path) -> Vec<(String, Vec<String>, String)> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (rec, dx, grp) = (col("Record"), col("Dx_SNOMED"), col("Group4_from_Dx"));
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let codes = f[dx]
                .split(';')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            (
                f[rec].to_owned(),
                codes,
                f.get(grp).copied().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn check_set(sub: &str, n_records: usize) {
    let Some(dir) = data_dir(sub) else { return };
    let want = expected(&dir);
    assert_eq!(want.len(), n_records);
    let listed = cinc2021::list_records(&dir).unwrap();
    assert_eq!(listed.len(), n_records);
    for (name, codes, group) in want {
        let path = dir.join(&name);
        assert!(listed.contains(&path), "{name} not listed");
        assert_eq!(cinc2021::read_dx(&path).unwrap(), codes, "{name}: codes");
        let rec = cinc2021::read_record(&path).unwrap();
        assert_eq!(
            rec.record.metadata.labels, codes,
            "{name}: labels of the full read"
        );
        assert_eq!(
            (rec.record.channels.len(), rec.record.n_samples()),
            (12, 5000)
        );
        assert_eq!(rec.record.fs.get(), 500.0);
        let got = rec.class::<Group4>();
        match group.as_str() {
            "" | "none" => assert_eq!(got, Assignment::Excluded(Exclusion::NoRhythm), "{name}"),
            g if g.contains('|') => {
                let Assignment::Excluded(Exclusion::Conflict(rhythms)) = &got else {
                    panic!("{name}: expected a conflict, got {got:?}");
                };
                let mut groups: Vec<&str> = rhythms
                    .iter()
                    .map(|&r| Group4::of(r).unwrap().label())
                    .collect();
                groups.sort_unstable();
                groups.dedup();
                assert_eq!(groups.join("|"), g, "{name}");
            }
            g => assert_eq!(got.class().map(|c| c.label()), Some(g), "{name}"),
        }
        // Every rhythm code has a name; the code lists agree with rhythms + other codes.
        for &r in &rec.dx.rhythms {
            assert!(cinc2021::code_name(cinc2021::code_of_rhythm(r)).is_some());
        }
        assert_eq!(
            rec.dx.rhythms.len() + rec.dx.other_codes.len(),
            codes.len(),
            "{name}"
        );
    }
}

#[test]
fn ningbo_codes_and_groups() {
    check_set("ningbo_cinc2021", 20);
}

#[test]
fn georgia_ptbxl_codes_and_groups() {
    check_set("cinc2021_georgia_ptbxl", 30);
}

#[test]
fn ningbo_paper6_counts() {
    let Some(dir) = data_dir("ningbo_cinc2021") else {
        return;
    };
    // From labels.csv: 16 GSVT records are all sinus tachycardia (427084000); two of them also
    // carry atrial tachycardia (713422000), so under Paper6 they conflict (ST vs SVT/AT).
    let scanned = cinc2021::scan(&dir).unwrap();
    let assigned: Vec<_> = scanned
        .iter()
        .map(|(_, dx)| assign::<Paper6>(&dx.rhythms))
        .collect();
    let tally = Tally::of(&assigned);
    let st = tally.classes[Paper6::St.index()];
    let conflicts = tally.conflict;
    assert_eq!(tally.total(), 20);
    assert_eq!((st, conflicts), (14, 2));
}
