//! Arbitrary input never panics the dataset parsers, and derived labels keep their invariants.

use std::path::Path;

use exg_data::Annotation;
use exg_data::dataset::chapman::read_diagnostics;
use exg_data::dataset::cinc2017::parse_reference;
use exg_data::dataset::mitdb::{beats, rhythm_stretches};
use exg_data::dataset::{
    Assignment, ClassScheme, Group4, Paper5, RhythmLabel, Scheme, assign, cinc2021,
};
use proptest::prelude::*;

fn arb_annotation() -> impl Strategy<Value = Annotation> {
    (
        0usize..2000,
        prop::sample::select(vec!["+", "N", "V", "~", "A", "\"", "x"]),
        prop::sample::select(vec!["", "(N", "(AFIB", "(AFL\0", "(", "(VT", "comment"]),
    )
        .prop_map(|(sample, label, aux)| Annotation {
            sample,
            label: label.into(),
            aux: aux.into(),
            duration_s: None,
        })
}

proptest! {
    #[test]
    fn rhythm_stretches_are_ordered_and_in_range(
        ann in prop::collection::vec(arb_annotation(), 0..60),
        n in 0usize..2500,
    ) {
        let s = rhythm_stretches(&ann, n);
        for st in &s {
            prop_assert!(st.start < st.end && st.end <= n);
            prop_assert!(!st.rhythm.is_empty() && !st.rhythm.contains('\0'));
        }
        for w in s.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start);
            prop_assert_ne!(&w[0].rhythm, &w[1].rhythm);
        }
        prop_assert!(beats(&ann).iter().all(|b| exg_signal::score::is_beat_symbol(&b.symbol)));
    }

    #[test]
    fn reference_parser_never_panics(text in "\\PC{0,200}") {
        let _ = parse_reference(&text, Path::new("REFERENCE.csv"));
    }

    #[test]
    fn rhythm_parser_never_panics(text in "\\PC{0,12}") {
        if let Ok(r) = text.parse::<RhythmLabel>() {
            prop_assert!(RhythmLabel::ALL.contains(&r));
        }
        let _ = text.parse::<Scheme>();
    }

    #[test]
    fn assign_agrees_with_the_single_rhythm_map(
        idx in prop::collection::vec(0usize..RhythmLabel::ALL.len(), 0..5),
    ) {
        let rhythms: Vec<RhythmLabel> = idx.iter().map(|&i| RhythmLabel::ALL[i]).collect();
        match assign::<Paper5>(&rhythms) {
            Assignment::Class(c) => prop_assert!(rhythms.iter().all(|&r| Paper5::of(r) == Some(c))),
            Assignment::Excluded(_) => prop_assert!(
                rhythms.is_empty()
                    || rhythms.iter().any(|&r| Paper5::of(r).is_none())
                    || rhythms.iter().any(|&r| Paper5::of(r) != Paper5::of(rhythms[0]))
            ),
        }
        // The runtime scheme gives the same class index.
        prop_assert_eq!(
            Scheme::Group4.classify(&rhythms),
            assign::<Group4>(&rhythms).class().map(|c| c.index())
        );
        // Codes round-trip through the SNOMED table.
        let codes: Vec<&str> = rhythms.iter().map(|&r| cinc2021::code_of_rhythm(r)).collect();
        let mut back = cinc2021::rhythms_of(&codes).rhythms;
        let mut want = rhythms.clone();
        back.sort_unstable();
        want.sort_unstable();
        want.dedup();
        prop_assert_eq!(back, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn diagnostics_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), xlsx in any::<bool>()) {
        let dir = std::env::temp_dir().join(format!("exg_diag_fuzz_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(if xlsx { "d.xlsx" } else { "d.csv" });
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_diagnostics(&path);
        std::fs::remove_file(&path).ok();
    }
}
