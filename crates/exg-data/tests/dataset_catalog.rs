//! `dataset::catalog`: one loader for every labelled dataset.
//!
//! Where the expected numbers come from:
//! - CinC 2017: `REFERENCE.csv`, counted here line by line (and `../shared/data/PROVENANCE.md`:
//!   N 4040, A 590, O 1965, ~ 227);
//! - Chapman, Ningbo, Georgia/PTB-XL: `tools/data_datasets_catalog_counts.py`, which counts the
//!   datasets' own label files (`labels.csv`: Chapman's `Rhythm`/`Group4` columns of the rows
//!   whose waveform file exists; CinC 2021's `Dx_SNOMED` codes) with the standard library only;
//! - MIT-BIH windows: `tests/fixtures/datasets/catalog_mitdb_windows.json`, written by
//!   `tools/data_datasets_catalog_mitdb.py` from wfdb-python's `rdheader`/`rdann` (aux notes).
//!
//! Tests on invented folders (written at test time to a temporary folder) run everywhere; tests
//! on the real data skip with a printed reason when it is absent (and fail under
//! `EXG_REQUIRE_DATA=1`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exg_data::Error;
use exg_data::dataset::Scheme;
use exg_data::dataset::catalog::{DatasetSpec, LabelledSet, MITDB_RHYTHMS, SyntheticClasses};
use exg_data::dataset::chapman::Waveforms;

/// An empty temporary folder for one test.
fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-catalog-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ids(set: &LabelledSet) -> Vec<&str> {
    set.records.iter().map(|r| r.id.as_str()).collect()
}

fn assert_sorted_unique(set: &LabelledSet) {
    let ids = ids(set);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids not sorted/unique");
}

fn skipped_reason<'a>(set: &'a LabelledSet, id: &str) -> &'a str {
    &set.skipped
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} not skipped: {:?}", set.skipped))
        .reason
}

// ---------------------------------------------------------------------------------------------
// Specs

#[test]
fn spec_json_defaults_round_trip_and_strictness() {
    let parse = |s: &str| serde_json::from_str::<DatasetSpec>(s);
    let syn = parse(r#"{"name": "synthetic"}"#).unwrap();
    assert_eq!(
        syn,
        DatasetSpec::Synthetic {
            per_class: 160,
            duration_s: 10.0,
            fs_hz: 250.0,
            seed: 2025,
            classes: SyntheticClasses::Paper5
        }
    );
    assert_eq!(syn, DatasetSpec::new("synthetic", None).unwrap());
    let chap = parse(r#"{"name": "chapman", "dir": "d", "classes": "paper5"}"#).unwrap();
    assert_eq!(
        chap,
        DatasetSpec::Chapman {
            dir: "d".into(),
            classes: Scheme::Paper5,
            lead: "II".into(),
            waveforms: Waveforms::Denoised
        }
    );
    let mit = parse(r#"{"name": "mitdb", "dir": "m"}"#).unwrap();
    assert_eq!(
        mit,
        DatasetSpec::Mitdb {
            dir: "m".into(),
            window_s: 10.0,
            classes: vec!["N".into(), "AFIB".into()],
            records: vec![],
            lead: None
        }
    );
    assert_eq!(mit, DatasetSpec::new("mitdb", Some("m".into())).unwrap());
    // Every variant, with every field set, survives a round trip; `name()` is the JSON tag.
    let all = [
        r#"{"name":"synthetic","per_class":3,"duration_s":4.5,"fs_hz":360.0,"seed":7,"classes":"all"}"#,
        r#"{"name":"cinc2017","dir":"a/training2017"}"#,
        r#"{"name":"chapman","dir":"c","classes":"group4","lead":"V5","waveforms":"raw"}"#,
        r#"{"name":"ningbo","dir":"n","classes":"paper6","lead":"I"}"#,
        r#"{"name":"cinc2021","dir":"g","classes":"paper5","lead":"aVF"}"#,
        r#"{"name":"mitdb","dir":"m","window_s":5.0,"classes":["N","AFL"],"records":["201"],"lead":"MLII"}"#,
    ];
    for json in all {
        let spec = parse(json).unwrap();
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(text, json, "serialised form");
        assert_eq!(parse(&text).unwrap(), spec);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["name"], spec.name());
    }
    // The old variant spelling of a scheme is still read.
    assert!(matches!(
        parse(r#"{"name":"ningbo","dir":"n","classes":"Paper6"}"#).unwrap(),
        DatasetSpec::Ningbo {
            classes: Scheme::Paper6,
            ..
        }
    ));
    for bad in [
        r#"{"name":"cinc2017","dir":"x","lead":"II"}"#, // unknown field
        r#"{"name":"cinc2017"}"#,                       // missing dir
        r#"{"name":"ptbxl","dir":"x"}"#,                // unknown dataset
        r#"{"name":"chapman","dir":"x","classes":"group5"}"#,
        r#"{"name":"synthetic","classes":"paper6"}"#,
        r#"{"dir":"x"}"#,
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn spec_from_flags() {
    let spec = DatasetSpec::new("Chapman", Some("c".into()))
        .unwrap()
        .with_classes("paper5")
        .unwrap()
        .with_lead("v5")
        .unwrap();
    assert_eq!(spec.name(), "chapman");
    assert_eq!(spec.dir(), Some(Path::new("c")));
    assert!(matches!(
        &spec,
        DatasetSpec::Chapman { classes: Scheme::Paper5, lead, .. } if lead == "V5"
    ));
    let m = DatasetSpec::new("mitdb", Some("m".into()))
        .unwrap()
        .with_classes("N, (AFIB,AFL")
        .unwrap();
    assert!(matches!(&m, DatasetSpec::Mitdb { classes, .. } if classes == &["N", "AFIB", "AFL"]));
    let syn = DatasetSpec::new("synthetic", None)
        .unwrap()
        .with_classes("all")
        .unwrap();
    assert!(matches!(
        syn,
        DatasetSpec::Synthetic {
            classes: SyntheticClasses::All,
            ..
        }
    ));
    assert_eq!(syn.dir(), None);
    let c17 = || DatasetSpec::new("cinc2017", Some("x".into())).unwrap();
    assert!(matches!(
        c17().with_classes("group4"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        c17().with_lead("II"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        DatasetSpec::new("ningbo", Some("n".into()))
            .unwrap()
            .with_lead("V7"),
        Err(Error::UnknownLead { .. })
    ));
    assert!(m.with_classes("N,XYZ").is_err());
    for (name, dir) in [
        ("ptbxl", Some(PathBuf::from("x"))),
        ("cinc2017", None),
        ("synthetic", Some(PathBuf::from("x"))),
    ] {
        assert!(
            matches!(DatasetSpec::new(name, dir), Err(Error::InvalidArgument(_))),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic

#[test]
fn synthetic_counts_hints_and_determinism() {
    let spec = DatasetSpec::Synthetic {
        per_class: 3,
        duration_s: 4.0,
        fs_hz: 250.0,
        seed: 2025,
        classes: SyntheticClasses::Paper5,
    };
    let set = spec.load().unwrap();
    assert_eq!(set.name, "synthetic");
    assert_eq!(set.classes, ["SR", "SB", "ST", "AFIB", "SVT"]);
    assert_eq!(set.counts(), [3; 5]);
    set.require_every_class().unwrap();
    assert!(set.skipped.is_empty() && set.excluded.is_empty() && set.absent == 0);
    assert_sorted_unique(&set);
    for r in &set.records {
        // The generator's names are HRV-target codes; the hint is the class name.
        assert_eq!(r.class_hint.as_deref(), Some(set.classes[r.label].as_str()));
        assert!(r.id.starts_with(&format!("{}-", set.classes[r.label])));
        assert_eq!((r.ecg.len(), r.ecg.fs().get()), (1000, 250.0));
    }
    assert!(set.source.contains("seed 2025"), "{}", set.source);
    // Same spec, same set; another seed, other signals.
    assert_eq!(spec.load().unwrap(), set);
    let other = DatasetSpec::Synthetic {
        per_class: 3,
        duration_s: 4.0,
        fs_hz: 250.0,
        seed: 1,
        classes: SyntheticClasses::Paper5,
    }
    .load()
    .unwrap();
    assert_eq!(ids(&other), ids(&set));
    assert_ne!(other.records[0].ecg, set.records[0].ecg);

    let all = DatasetSpec::Synthetic {
        per_class: 2,
        duration_s: 3.0,
        fs_hz: 125.0,
        seed: 2025,
        classes: SyntheticClasses::All,
    }
    .load()
    .unwrap();
    assert_eq!(all.classes, ["SR", "SB", "ST", "AFIB", "SVT", "SA"]);
    assert_eq!(all.counts(), [2; 6]);
    // A record does not change when classes are added (the generator's seeding).
    let sr = |s: &LabelledSet| s.records.iter().find(|r| r.id == "SR-001").unwrap().clone();
    let small = DatasetSpec::Synthetic {
        per_class: 2,
        duration_s: 3.0,
        fs_hz: 125.0,
        seed: 2025,
        classes: SyntheticClasses::Paper5,
    }
    .load()
    .unwrap();
    assert_eq!(sr(&all), sr(&small));

    let none = DatasetSpec::Synthetic {
        per_class: 0,
        duration_s: 3.0,
        fs_hz: 125.0,
        seed: 0,
        classes: SyntheticClasses::Paper5,
    }
    .load()
    .unwrap();
    match none.require_every_class() {
        Err(Error::ClassAbsent { dataset, classes }) => {
            assert_eq!(dataset, "synthetic");
            assert_eq!(classes, ["SR", "SB", "ST", "AFIB", "SVT"]);
        }
        other => panic!("{other:?}"),
    }
    for (fs_hz, duration_s) in [
        (0.0, 3.0),
        (f64::NAN, 3.0),
        (125.0, -1.0),
        (125.0, f64::NAN),
    ] {
        let r = DatasetSpec::Synthetic {
            per_class: 1,
            duration_s,
            fs_hz,
            seed: 0,
            classes: SyntheticClasses::Paper5,
        }
        .load();
        assert!(r.is_err(), "fs {fs_hz} duration {duration_s}");
    }
}

// ---------------------------------------------------------------------------------------------
// CinC 2017 on an invented folder

/// A MATLAB v4 file holding an int16 matrix `val` of `rows` signals (type 30: little-endian
/// int16, full matrix; column-major, so frames are interleaved), the layout of the CinC 2017
/// and 2021 `.mat` files (24-byte header).
fn mat4_int16(rows: usize, samples: &[i16]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [30i32, rows as i32, (samples.len() / rows) as i32, 0, 4] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"val\0");
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Writes an invented CinC 2017 record: 300 Hz, gain 1000/mV, a 1-mV spike every 300 samples.
fn write_cinc2017_record(dir: &Path, name: &str, n: usize) {
    let samples: Vec<i16> = (0..n)
        .map(|i| if i % 300 == 150 { 1000 } else { (i % 7) as i16 })
        .collect();
    std::fs::write(dir.join(format!("{name}.mat")), mat4_int16(1, &samples)).unwrap();
    std::fs::write(
        dir.join(format!("{name}.hea")),
        format!("{name} 1 300 {n}\n{name}.mat 16+24 1000/mV 16 0 0 0 0 ECG\n"),
    )
    .unwrap();
}

#[test]
fn cinc2017_invented_folder_skips_what_cannot_be_read() {
    let dir = tmp("cinc2017");
    write_cinc2017_record(&dir, "A00001", 3000);
    write_cinc2017_record(&dir, "A00002", 2700);
    write_cinc2017_record(&dir, "A00003", 3000);
    write_cinc2017_record(&dir, "A00005", 3000);
    write_cinc2017_record(&dir, "A00006", 3000);
    // A00003: truncated signal file; A00004: listed, no files; A00005: no .mat;
    // A00006: header garbage.
    let mat = std::fs::read(dir.join("A00003.mat")).unwrap();
    std::fs::write(dir.join("A00003.mat"), &mat[..mat.len() / 2]).unwrap();
    std::fs::remove_file(dir.join("A00005.mat")).unwrap();
    std::fs::write(dir.join("A00006.hea"), "\u{1}\u{2} not a header\n").unwrap();
    std::fs::write(
        dir.join("REFERENCE.csv"),
        "A00002,A\nA00001,N\nA00003,O\nA00004,~\nA00005,N\nA00006,N\n",
    )
    .unwrap();
    let set = DatasetSpec::Cinc2017 { dir: dir.clone() }.load().unwrap();
    assert_eq!(set.classes, ["N", "A", "O", "~"]);
    assert_eq!(ids(&set), ["A00001", "A00002"]);
    assert_eq!(set.counts(), [1, 1, 0, 0]);
    let r = &set.records;
    assert_eq!((r[0].label, r[0].class_hint.as_deref()), (0, Some("SR")));
    assert_eq!((r[1].label, r[1].class_hint.as_deref()), (1, Some("AFIB")));
    assert_eq!((r[1].ecg.len(), r[1].ecg.fs().get()), (2700, 300.0));
    assert_eq!(r[0].ecg.samples()[150], 1.0); // 1000 adu at 1000/mV
    let sk: Vec<&str> = set.skipped.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sk, ["A00003", "A00004", "A00005", "A00006"]);
    assert!(skipped_reason(&set, "A00003").contains("truncated"));
    assert_eq!(
        skipped_reason(&set, "A00004"),
        "listed in REFERENCE.csv, but A00004.hea is missing"
    );
    assert_eq!(
        skipped_reason(&set, "A00005"),
        "listed in REFERENCE.csv, but A00005.mat is missing"
    );
    assert!(!skipped_reason(&set, "A00006").is_empty());
    let e = set.require_every_class().unwrap_err();
    assert_eq!(e.to_string(), "cinc2017: no record of class `O`, `~`");
    assert!(matches!(&e, Error::ClassAbsent { classes, .. } if classes == &["O", "~"]));
    assert!(
        set.summary()
            .starts_with("cinc2017: 2 records (N 1, A 1, O 0, ~ 0), 4 skipped, 0 excluded")
    );

    // A malformed REFERENCE.csv labels nothing: an error, not a set.
    std::fs::write(dir.join("REFERENCE.csv"), "A00001,X\n").unwrap();
    assert!(matches!(
        DatasetSpec::Cinc2017 { dir: dir.clone() }.load(),
        Err(Error::Malformed { .. })
    ));
    // An empty REFERENCE.csv is an empty set.
    std::fs::write(dir.join("REFERENCE.csv"), "").unwrap();
    let empty = DatasetSpec::Cinc2017 { dir }.load().unwrap();
    assert!(empty.records.is_empty() && empty.skipped.is_empty());
}

#[test]
fn cinc2021_invented_folder() {
    let dir = tmp("cinc2021");
    // X1: sinus rhythm, leads I and II; X2: no `# Dx:` line; X3: sinus bradycardia, lead I only;
    // X4: sinus tachycardia + atrial tachycardia (one class in group4, two in paper5).
    let write = |name: &str, leads: &[&str], dx: Option<&str>| {
        let n = 50;
        let samples: Vec<i16> = (0..n * leads.len()).map(|i| i as i16).collect();
        std::fs::write(
            dir.join(format!("{name}.mat")),
            mat4_int16(leads.len(), &samples),
        )
        .unwrap();
        let mut hea = format!("{name} {} 500 {n}\n", leads.len());
        for l in leads {
            hea += &format!("{name}.mat 16+24 1000/mV 16 0 0 0 0 {l}\n");
        }
        if let Some(dx) = dx {
            hea += &format!("# Dx: {dx}\n");
        }
        std::fs::write(dir.join(format!("{name}.hea")), hea).unwrap();
    };
    write("X1", &["I", "II"], Some("426783006,284470004"));
    write("X2", &["I", "II"], None);
    write("X3", &["I"], Some("426177001"));
    write("X4", &["I", "II"], Some("427084000,713422000"));
    let load = |scheme: &str| {
        DatasetSpec::new("cinc2021", Some(dir.clone()))
            .unwrap()
            .with_classes(scheme)
            .unwrap()
            .load()
            .unwrap()
    };
    let g4 = load("group4");
    assert_eq!(ids(&g4), ["X1", "X4"]);
    assert_eq!(g4.counts(), [0, 0, 1, 1]);
    // Lead II is the second signal: odd samples, 1 adu = 1 µV.
    assert_eq!(g4.records[0].ecg.samples()[..2], [0.001, 0.003]);
    assert_eq!(g4.records[0].ecg.lead(), Some("II"));
    assert_eq!(
        g4.excluded
            .iter()
            .map(|e| (e.id.as_str(), e.reason.as_str()))
            .collect::<Vec<_>>(),
        [(
            "X2",
            "excluded by group4: no rhythm label (the header has no `# Dx:` codes)"
        )]
    );
    assert_eq!(g4.skipped.len(), 1);
    assert!(skipped_reason(&g4, "X3").contains("II"), "{:?}", g4.skipped);
    let p5 = load("paper5");
    assert_eq!(ids(&p5), ["X1"]);
    assert_eq!(p5.excluded[1].id, "X4");
    assert_eq!(
        p5.excluded[1].reason,
        "excluded by paper5: rhythms ST, AT fall into different classes"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input everywhere

fn rhythm_specs(dir: &Path) -> Vec<DatasetSpec> {
    vec![
        DatasetSpec::Cinc2017 { dir: dir.into() },
        DatasetSpec::new("chapman", Some(dir.into())).unwrap(),
        DatasetSpec::new("ningbo", Some(dir.into())).unwrap(),
        DatasetSpec::new("cinc2021", Some(dir.into())).unwrap(),
        DatasetSpec::new("mitdb", Some(dir.into())).unwrap(),
    ]
}

#[test]
fn missing_folder_and_wrong_layout_are_typed_errors() {
    let root = tmp("layout");
    let missing = root.join("nope");
    for spec in rhythm_specs(&missing) {
        match spec.load() {
            Err(Error::DatasetNotFound { dataset, path }) => {
                assert_eq!((dataset.as_str(), path.as_path()), (spec.name(), &*missing));
            }
            other => panic!("{}: {other:?}", spec.name()),
        }
    }
    // An empty folder: each loader says what it expected.
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for spec in rhythm_specs(&empty) {
        match spec.load() {
            Err(e @ Error::DatasetLayout { .. }) => {
                let msg = e.to_string();
                let want = match spec.name() {
                    "cinc2017" => "REFERENCE.csv",
                    "chapman" => "Diagnostics.xlsx",
                    "mitdb" => "NNN.atr",
                    _ => "# Dx:",
                };
                assert!(msg.contains(want), "{msg}");
            }
            other => panic!("{}: {other:?}", spec.name()),
        }
    }
    // A file where a folder is expected.
    let file = root.join("file.txt");
    std::fs::write(&file, "x").unwrap();
    for spec in rhythm_specs(&file) {
        assert!(
            matches!(spec.load(), Err(Error::DatasetLayout { .. })),
            "{}",
            spec.name()
        );
    }
    // The release folder instead of training2017/: the error points to the subfolder.
    std::fs::create_dir_all(root.join("cinc/training2017")).unwrap();
    std::fs::write(root.join("cinc/training2017/REFERENCE.csv"), "").unwrap();
    let e = DatasetSpec::Cinc2017 {
        dir: root.join("cinc"),
    }
    .load()
    .unwrap_err();
    assert!(e.to_string().contains("training2017/ subfolder"), "{e}");
    // Chapman with a table but no waveform folder.
    std::fs::write(root.join("labels.csv"), "FileName\n").unwrap();
    let e = DatasetSpec::new("chapman", Some(root.clone()))
        .unwrap()
        .load()
        .unwrap_err();
    assert!(e.to_string().contains("no ECGDataDenoised/ folder"), "{e}");
}

#[test]
fn options_are_checked_before_any_file() {
    let nowhere = PathBuf::from("/nonexistent/exg-catalog");
    for name in ["chapman", "ningbo", "cinc2021"] {
        let spec = match DatasetSpec::new(name, Some(nowhere.clone())).unwrap() {
            DatasetSpec::Chapman {
                dir,
                classes,
                waveforms,
                ..
            } => DatasetSpec::Chapman {
                dir,
                classes,
                lead: "V7".into(),
                waveforms,
            },
            DatasetSpec::Ningbo { dir, classes, .. } => DatasetSpec::Ningbo {
                dir,
                classes,
                lead: "V7".into(),
            },
            DatasetSpec::Cinc2021 { dir, classes, .. } => DatasetSpec::Cinc2021 {
                dir,
                classes,
                lead: "V7".into(),
            },
            _ => unreachable!(),
        };
        match spec.load() {
            Err(e @ Error::UnknownLead { .. }) => {
                assert_eq!(
                    e.to_string(),
                    format!(
                        "{name}: unknown lead `V7` (leads: I, II, III, aVR, aVL, aVF, V1, V2, \
                         V3, V4, V5, V6)"
                    )
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let mitdb = |window_s: f64, classes: &[&str]| DatasetSpec::Mitdb {
        dir: nowhere.clone(),
        window_s,
        classes: classes.iter().map(|s| (*s).to_owned()).collect(),
        records: vec![],
        lead: None,
    };
    for (w, c) in [
        (10.0, &["N", "XYZ"][..]),
        (10.0, &["N", "(N"][..]),
        (10.0, &[][..]),
        (0.05, &["N"][..]),
        (f64::NAN, &["N"][..]),
        (f64::INFINITY, &["N"][..]),
    ] {
        assert!(
            matches!(mitdb(w, c).load(), Err(Error::InvalidArgument(_))),
            "{w} {c:?}"
        );
    }
    assert!(matches!(
        mitdb(10.0, &["N"]).load(),
        Err(Error::DatasetNotFound { .. })
    ));
}

/// Garbage in every file a loader opens: an error or a set with skipped records, never a
/// panic.
#[test]
fn garbage_files_never_panic() {
    let blobs: [&[u8]; 6] = [
        b"",
        b"\xff\xfe\x00garbage",
        b"A00001 1 300 -5\nA00001.mat 16+24 1000/mV 16 0 0 0 0 ECG\n",
        b"A00001 1 0 10\nA00001.mat 16+99999999 0/mV 16 0 0 0 0 ECG\n",
        b"A00001 2 300 10\nA00001.mat 16+24 1000/mV 16 0 0 0 0 ECG\n",
        b"A00001 1 300 18446744073709551615\nA00001.mat 16+24 1000/mV\n",
    ];
    for (k, blob) in blobs.iter().enumerate() {
        let dir = tmp(&format!("garbage{k}"));
        for f in ["A00001.hea", "A00001.mat", "A00001.atr", "A00001.dat"] {
            std::fs::write(dir.join(f), blob).unwrap();
        }
        std::fs::write(dir.join("REFERENCE.csv"), "A00001,N\n").unwrap();
        std::fs::create_dir_all(dir.join("ECGDataDenoised")).unwrap();
        std::fs::write(dir.join("ECGDataDenoised/A00001.csv"), blob).unwrap();
        std::fs::write(dir.join("Diagnostics.xlsx"), blob).unwrap();
        for spec in rhythm_specs(&dir) {
            match spec.load() {
                Ok(set) => assert!(set.records.is_empty(), "{}: {blob:?}", spec.name()),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        // With every MIT-BIH rhythm as a class too.
        let all = DatasetSpec::Mitdb {
            dir: dir.clone(),
            window_s: 0.1,
            classes: MITDB_RHYTHMS.iter().map(|(c, _)| (*c).to_owned()).collect(),
            records: vec!["A00001".into(), "missing".into()],
            lead: Some("II".into()),
        };
        let set = all.load().unwrap();
        assert!(set.records.is_empty());
        assert_eq!(set.skipped.len(), 2, "{:?}", set.skipped);
    }
}

// ---------------------------------------------------------------------------------------------
// Chapman on an invented release

/// The committed miniature diagnostics (`tests/fixtures/datasets/chapman_mini`, 3 invented rows:
/// SYN_0001 AF (flutter), SYN_0002 SA, SYN_0003 SAAWR) with invented waveforms (20 x 12 µV,
/// value `1000 * k + 10 * lead + row`): SYN_0001 and SYN_0002 well formed, SYN_0003 with 11
/// columns, plus `ORPHAN.csv` that has no row.
fn chapman_mini(name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/datasets/chapman_mini");
    let dir = tmp(name);
    std::fs::create_dir_all(dir.join("ECGDataDenoised")).unwrap();
    std::fs::copy(src.join("Diagnostics.xlsx"), dir.join("Diagnostics.xlsx")).unwrap();
    for (k, (file, cols)) in [
        ("SYN_0001", 12),
        ("SYN_0002", 12),
        ("SYN_0003", 11),
        ("ORPHAN", 12),
    ]
    .into_iter()
    .enumerate()
    {
        let rows: String = (0..20)
            .map(|i| {
                let row: Vec<String> = (0..cols)
                    .map(|j| format!("{}", 1000 * k + 10 * j + i))
                    .collect();
                row.join(",") + "\n"
            })
            .collect();
        std::fs::write(dir.join(format!("ECGDataDenoised/{file}.csv")), rows).unwrap();
    }
    dir
}

#[test]
fn chapman_invented_release_excludes_by_scheme() {
    let dir = chapman_mini("chapman-mini");
    let spec = |classes: Scheme, lead: &str| DatasetSpec::Chapman {
        dir: dir.clone(),
        classes,
        lead: lead.into(),
        waveforms: Waveforms::Denoised,
    };
    let g4 = spec(Scheme::Group4, "v1").load().unwrap();
    assert_eq!(g4.classes, ["SB", "AFIB", "GSVT", "SR"]);
    assert_eq!(ids(&g4), ["SYN_0001", "SYN_0002"]);
    assert_eq!(g4.counts(), [0, 1, 0, 1]);
    let hints: Vec<_> = g4.records.iter().map(|r| r.class_hint.as_deref()).collect();
    assert_eq!(hints, [Some("AFIB"), Some("SR")]);
    let ecg = &g4.records[1].ecg;
    assert_eq!(ecg.lead(), Some("V1"));
    assert_eq!((ecg.len(), ecg.fs().get()), (20, 500.0));
    // µV -> mV: row 3 of lead V1 (index 6) of file 1 is 1000 + 60 + 3 µV.
    assert!((ecg.samples()[3] - 1.063).abs() < 1e-12);
    let sk: Vec<&str> = g4.skipped.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sk, ["ORPHAN", "SYN_0003"]);
    assert_eq!(
        skipped_reason(&g4, "ORPHAN"),
        "waveform file without a row in the diagnostics table"
    );
    assert!(skipped_reason(&g4, "SYN_0003").contains("11 columns"));
    assert!(g4.excluded.is_empty());

    // paper5 excludes sinus irregularity and SAAWR before reading them.
    let p5 = spec(Scheme::Paper5, "II").load().unwrap();
    assert_eq!(ids(&p5), ["SYN_0001"]);
    assert_eq!(p5.counts(), [0, 0, 0, 1, 0]);
    assert_eq!(p5.records[0].class_hint.as_deref(), Some("AFIB"));
    let ex: Vec<(&str, &str)> = p5
        .excluded
        .iter()
        .map(|e| (e.id.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        ex,
        [
            (
                "SYN_0002",
                "excluded by paper5: rhythm SA is outside the scheme"
            ),
            (
                "SYN_0003",
                "excluded by paper5: rhythm SAAWR is outside the scheme"
            ),
        ]
    );
    assert_eq!(p5.skipped.len(), 1);
    let p6 = spec(Scheme::Paper6, "II").load().unwrap();
    assert_eq!(p6.counts(), [0, 0, 0, 1, 1, 0]);
    assert_eq!(p6.records[1].class_hint.as_deref(), Some("SI"));
    // Raw waveforms are not there.
    let raw = DatasetSpec::Chapman {
        dir: dir.clone(),
        classes: Scheme::Group4,
        lead: "II".into(),
        waveforms: Waveforms::Raw,
    };
    assert!(matches!(raw.load(), Err(Error::DatasetLayout { .. })));
}

// ---------------------------------------------------------------------------------------------
// Real data

fn cinc2017_dir() -> Option<PathBuf> {
    exg_data::testdata::dir("cinc2017/training2017/REFERENCE.csv")
        .map(|f| f.parent().unwrap().to_path_buf())
}

#[test]
fn cinc2017_counts_match_reference() {
    let Some(dir) = cinc2017_dir() else { return };
    // REFERENCE.csv counted here, independently of the crate's parser.
    let text = std::fs::read_to_string(dir.join("REFERENCE.csv")).unwrap();
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (rec, lab) = line.split_once(',').unwrap();
        want.insert(rec.trim().to_owned(), lab.trim().to_owned());
    }
    let classes = ["N", "A", "O", "~"];
    let counts: Vec<usize> = classes
        .iter()
        .map(|c| want.values().filter(|l| l == c).count())
        .collect();
    assert_eq!(counts, [4040, 590, 1965, 227]);

    let set = DatasetSpec::Cinc2017 { dir }.load().unwrap();
    assert_eq!(set.name, "cinc2017");
    assert!(set.source.contains("ODC-By 1.0"), "{}", set.source);
    assert_eq!(set.classes, classes);
    assert_eq!(set.counts(), counts);
    assert!(
        set.skipped.is_empty(),
        "{:?}",
        &set.skipped[..3.min(set.skipped.len())]
    );
    assert!(set.excluded.is_empty());
    set.require_every_class().unwrap();
    assert_sorted_unique(&set);
    assert_eq!(
        ids(&set),
        want.keys().map(String::as_str).collect::<Vec<_>>()
    );
    for r in &set.records {
        assert_eq!(set.classes[r.label], want[&r.id], "{}", r.id);
        let hint = match set.classes[r.label].as_str() {
            "N" => Some("SR"),
            "A" => Some("AFIB"),
            _ => None,
        };
        assert_eq!(r.class_hint.as_deref(), hint);
        assert_eq!(r.ecg.fs().get(), 300.0);
        assert!((8.9..=61.0).contains(&r.ecg.duration()), "{}", r.id);
    }
}

#[test]
fn cinc2017_real_records_with_a_truncated_copy() {
    let Some(src) = cinc2017_dir() else { return };
    let dir = tmp("cinc2017-real");
    let names = ["A00001", "A00002", "A00003"];
    let mut reference = String::new();
    let all = std::fs::read_to_string(src.join("REFERENCE.csv")).unwrap();
    for name in names {
        for ext in ["hea", "mat"] {
            let f = format!("{name}.{ext}");
            std::fs::copy(src.join(&f), dir.join(&f)).unwrap();
        }
        reference += all.lines().find(|l| l.starts_with(name)).unwrap();
        reference += "\n";
    }
    std::fs::write(dir.join("REFERENCE.csv"), reference).unwrap();
    let whole = DatasetSpec::Cinc2017 { dir: dir.clone() }.load().unwrap();
    assert_eq!(ids(&whole), names);
    // Truncate A00002.mat inside its samples.
    let mat = std::fs::read(dir.join("A00002.mat")).unwrap();
    std::fs::write(dir.join("A00002.mat"), &mat[..mat.len() - 1000]).unwrap();
    let set = DatasetSpec::Cinc2017 { dir }.load().unwrap();
    assert_eq!(ids(&set), ["A00001", "A00003"]);
    assert_eq!(set.skipped.len(), 1);
    assert!(skipped_reason(&set, "A00002").contains("truncated"));
    assert_eq!(set.records[0], whole.records[0]);
    assert_eq!(set.records[1], whole.records[2]);
}

#[test]
fn chapman_schemes_on_local_waveforms() {
    let Some(dir) = exg_data::testdata::dir("chapman/ECGDataDenoised") else {
        return;
    };
    let dir = dir.parent().unwrap().to_path_buf();
    let load = |classes: Scheme, lead: &str| {
        DatasetSpec::Chapman {
            dir: dir.clone(),
            classes,
            lead: lead.into(),
            waveforms: Waveforms::Denoised,
        }
        .load()
        .unwrap()
    };
    // Expected: tools/data_datasets_catalog_counts.py (35 waveforms of 10,646 rows).
    let g4 = load(Scheme::Group4, "II");
    assert_eq!(g4.classes, ["SB", "AFIB", "GSVT", "SR"]);
    assert_eq!(g4.counts(), [8, 12, 8, 7]);
    assert_eq!(
        (g4.absent, g4.skipped.len(), g4.excluded.len()),
        (10611, 0, 0)
    );
    g4.require_every_class().unwrap();
    assert_sorted_unique(&g4);
    for r in &g4.records {
        assert_eq!(r.ecg.lead(), Some("II"));
        assert_eq!((r.ecg.len(), r.ecg.fs().get()), (5000, 500.0));
        assert_eq!(r.class_hint.as_deref(), Some(g4.classes[r.label].as_str()));
    }
    assert!(
        g4.summary()
            .ends_with(", 10611 listed without a waveform file")
    );

    let p5 = load(Scheme::Paper5, "V5");
    assert_eq!(p5.classes, ["SR", "SB", "ST", "AFIB/AFL", "SVT/AT"]);
    assert_eq!(p5.counts(), [5, 8, 7, 12, 1]);
    assert_eq!(p5.excluded.len(), 2);
    for e in &p5.excluded {
        assert_eq!(
            e.reason,
            "excluded by paper5: rhythm SA is outside the scheme"
        );
    }
    let hints: Vec<Option<&str>> = (0..5)
        .map(|l| {
            p5.records
                .iter()
                .find(|r| r.label == l)
                .and_then(|r| r.class_hint.as_deref())
        })
        .collect();
    assert_eq!(
        hints,
        [
            Some("SR"),
            Some("SB"),
            Some("ST"),
            Some("AFIB"),
            Some("SVT")
        ]
    );
    assert!(p5.records.iter().all(|r| r.ecg.lead() == Some("V5")));
    // Same records in both schemes but the excluded ones; a different lead, other samples.
    let same: Vec<&str> = ids(&g4)
        .into_iter()
        .filter(|id| !p5.excluded.iter().any(|e| e.id == *id))
        .collect();
    assert_eq!(ids(&p5), same);
    assert_ne!(p5.records[0].ecg.samples(), g4.records[0].ecg.samples());
}

#[test]
fn ningbo_and_cinc2021_schemes() {
    let Some([ningbo, georgia]) =
        exg_data::testdata::dirs(["ningbo_cinc2021", "cinc2021_georgia_ptbxl"])
    else {
        return;
    };
    let spec = |name: &str, dir: &Path, scheme: &str| {
        DatasetSpec::new(name, Some(dir.into()))
            .unwrap()
            .with_classes(scheme)
            .unwrap()
            .load()
            .unwrap()
    };
    // Expected: tools/data_datasets_catalog_counts.py over labels.csv.
    let n4 = spec("ningbo", &ningbo, "group4");
    assert_eq!(n4.name, "ningbo");
    assert!(n4.source.contains("Ningbo"), "{}", n4.source);
    assert_eq!(n4.counts(), [2, 0, 16, 1]);
    assert_eq!(n4.records.len() + n4.excluded.len(), 20);
    assert!(n4.skipped.is_empty());
    assert_eq!(n4.excluded.len(), 1);
    assert_eq!(n4.excluded[0].reason, "excluded by group4: no rhythm label");
    assert_sorted_unique(&n4);
    for r in &n4.records {
        assert!(r.id.starts_with("JS200"), "{}", r.id);
        assert_eq!(r.ecg.lead(), Some("II"));
        assert_eq!((r.ecg.len(), r.ecg.fs().get()), (5000, 500.0));
    }
    match n4.require_every_class() {
        Err(Error::ClassAbsent { classes, .. }) => assert_eq!(classes, ["AFIB"]),
        other => panic!("{other:?}"),
    }
    let n6 = spec("ningbo", &ningbo, "paper6");
    assert_eq!(n6.counts(), [0, 2, 14, 1, 0, 0]);
    let conflicts = n6
        .excluded
        .iter()
        .filter(|e| e.reason.contains("fall into different classes"))
        .count();
    assert_eq!((n6.excluded.len(), conflicts), (3, 2));
    let n5 = spec("ningbo", &ningbo, "paper5");
    assert_eq!(n5.counts(), [0, 2, 14, 0, 0]);
    assert_eq!(n5.excluded.len(), 4);

    let g4 = spec("cinc2021", &georgia, "group4");
    assert_eq!(g4.name, "cinc2021");
    assert!(!g4.source.contains("Ningbo"));
    assert_eq!(g4.counts(), [4, 0, 6, 13]);
    assert_eq!((g4.excluded.len(), g4.skipped.len()), (7, 0));
    let g5 = spec("cinc2021", &georgia, "paper5");
    assert_eq!(g5.counts(), [13, 4, 6, 0, 0]);
    // Ningbo is the CinC 2021 loader under another name.
    let as_cinc = spec("cinc2021", &ningbo, "group4");
    assert_eq!(as_cinc.records, n4.records);
    assert_eq!(as_cinc.excluded, n4.excluded);
}

#[test]
fn ningbo_copy_with_a_broken_record_and_a_subfolder() {
    let Some(src) = exg_data::testdata::dir("ningbo_cinc2021") else {
        return;
    };
    let dir = tmp("ningbo-copy");
    std::fs::create_dir_all(dir.join("g1")).unwrap();
    for (name, to) in [
        ("JS20000", "JS20000"),
        ("JS20001", "g1/JS20001"),
        ("JS20003", "JS20003"),
    ] {
        for ext in ["hea", "mat"] {
            std::fs::copy(
                src.join(format!("{name}.{ext}")),
                dir.join(format!("{to}.{ext}")),
            )
            .unwrap();
        }
    }
    let mat = std::fs::read(dir.join("JS20003.mat")).unwrap();
    std::fs::write(dir.join("JS20003.mat"), &mat[..100]).unwrap();
    let set = DatasetSpec::new("ningbo", Some(dir))
        .unwrap()
        .load()
        .unwrap();
    assert_eq!(ids(&set), ["JS20000", "g1/JS20001"]);
    assert_eq!(set.skipped.len(), 1);
    assert!(skipped_reason(&set, "JS20003").contains("truncated"));
}

fn mitdb_fixture() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/datasets/catalog_mitdb_windows.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn mitdb_spec(dir: &Path, classes: &[&str], records: &[&str]) -> DatasetSpec {
    DatasetSpec::Mitdb {
        dir: dir.into(),
        window_s: 10.0,
        classes: classes.iter().map(|s| (*s).to_owned()).collect(),
        records: records.iter().map(|s| (*s).to_owned()).collect(),
        lead: None,
    }
}

#[test]
fn mitdb_windows_match_wfdb() {
    let Some(dir) = exg_data::testdata::dir("mitdb") else {
        return;
    };
    let fx = mitdb_fixture();
    assert_eq!(fx["window_s"], 10.0);
    // Records with AFIB, window by window (ids in time order, per class).
    for rec in ["201", "203"] {
        let set = mitdb_spec(&dir, &["N", "AFIB"], &[rec]).load().unwrap();
        assert_eq!(set.classes, ["N", "AFIB"]);
        assert!(set.skipped.is_empty());
        for (label, class) in ["N", "AFIB"].iter().enumerate() {
            let want: Vec<&str> = fx["records"][rec]["ids"][class]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let got: Vec<&str> = set
                .records
                .iter()
                .filter(|r| r.label == label)
                .map(|r| r.id.as_str())
                .collect();
            assert_eq!(got, want, "{rec} {class}");
        }
        assert!(set.counts()[1] > 0, "{rec} has AFIB windows");
        // Windows come in time order; each is 10 s of channel 0 (MLII) at 360 Hz.
        let starts: Vec<f64> = set
            .records
            .iter()
            .map(|r| {
                r.id.split_once(':')
                    .unwrap()
                    .1
                    .trim_end_matches('s')
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[1] - w[0] >= 10.0 - 0.1));
        for r in &set.records {
            assert_eq!((r.ecg.len(), r.ecg.fs().get()), (3600, 360.0));
            assert_eq!(r.ecg.lead(), Some("MLII"));
            let hint = if r.label == 0 { "SR" } else { "AFIB" };
            assert_eq!(r.class_hint.as_deref(), Some(hint));
        }
    }
    // Every record, every rhythm: window counts per code.
    let codes: Vec<&str> = MITDB_RHYTHMS.iter().map(|(c, _)| *c).collect();
    let mut afib_records = Vec::new();
    for (rec, want) in fx["records"].as_object().unwrap() {
        let set = mitdb_spec(&dir, &codes, &[rec]).load().unwrap();
        assert!(set.skipped.is_empty(), "{rec}: {:?}", set.skipped);
        let got: BTreeMap<String, u64> = codes
            .iter()
            .zip(set.counts())
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| ((*c).to_owned(), n as u64))
            .collect();
        let want: BTreeMap<String, u64> = want["windows"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, n)| (c.clone(), n.as_u64().unwrap()))
            .collect();
        assert_eq!(got, want, "{rec}");
        if got.contains_key("AFIB") {
            afib_records.push(rec.clone());
        }
    }
    assert_eq!(fx["records"].as_object().unwrap().len(), 48);
    assert_eq!(afib_records, exg_data::dataset::mitdb::AFIB_RECORDS);
}

#[test]
fn mitdb_default_load_lead_choice_and_missing_records() {
    let Some(dir) = exg_data::testdata::dir("mitdb") else {
        return;
    };
    let fx = mitdb_fixture();
    // Two records by default options, plus one that is not there.
    let set = mitdb_spec(&dir, &["N", "AFIB"], &["203", "100", "999"])
        .load()
        .unwrap();
    assert_eq!(set.skipped.len(), 1);
    assert!(skipped_reason(&set, "999").contains("999"));
    let n = |rec: &str, c: &str| fx["records"][rec]["windows"][c].as_u64().unwrap_or(0) as usize;
    assert_eq!(
        set.counts(),
        [n("100", "N") + n("203", "N"), n("203", "AFIB")]
    );
    // (record, start) order: 100 first, and inside a record by time, not as text (where
    // `100:1000.3s` would come before `100:200.3s`).
    assert!(set.records[0].id.starts_with("100:"));
    let starts: Vec<f64> = set
        .records
        .iter()
        .filter_map(|r| r.id.strip_prefix("100:"))
        .map(|t| t.trim_end_matches('s').parse().unwrap())
        .collect();
    assert_eq!(starts.len(), n("100", "N"));
    assert!(starts.windows(2).all(|w| w[0] < w[1]));
    assert!(starts.last().unwrap() > &1000.0);
    // By lead name: 114 has MLII as channel 1, 102 has no MLII.
    let by_lead = DatasetSpec::Mitdb {
        dir: dir.clone(),
        window_s: 10.0,
        classes: vec!["N".into()],
        records: vec!["102".into(), "114".into()],
        lead: Some("II".into()),
    }
    .load()
    .unwrap();
    assert_eq!(by_lead.skipped.len(), 1);
    assert!(skipped_reason(&by_lead, "102").contains("no lead II"));
    assert_eq!(by_lead.counts(), [n("114", "N")]);
    assert!(by_lead.records.iter().all(|r| r.ecg.lead() == Some("MLII")));
}
