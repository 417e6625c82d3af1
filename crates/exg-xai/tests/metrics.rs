//! Interpretability metrics on constructed cases with known answers.

mod common;

use candle::{DType, Device, Tensor};
use common::{TimeLinear, tiny_net};
use exg_xai::metrics::{
    Baseline, auc, cam_target_ncc, perturbation_curves, pointing_game, randomisation_check,
    rank_correlation, relevance_mass,
};
use exg_xai::saliency::{HiResCam, PostProcess, TargetClass};
use exg_xai::{Error, GradCam};

fn t2(v: &[&[f64]]) -> Tensor {
    let rows: Vec<Vec<f64>> = v.iter().map(|r| r.to_vec()).collect();
    Tensor::new(rows, &Device::Cpu).unwrap()
}

/// Constructed: maxima inside, outside, tied (first wins), flat (miss), masked out (None).
#[test]
fn pointing_game_constructed_cases() {
    let maps = t2(&[
        &[0.1, 0.9, 0.2, 0.0],
        &[0.9, 0.1, 0.2, 0.0],
        &[0.5, 0.9, 0.9, 0.0],
        &[0.3, 0.3, 0.3, 0.3],
        &[0.0, 1.0, 0.0, 0.0],
    ]);
    let targets = t2(&[
        &[0.0, 1.0, 1.0, 0.0],
        &[0.0, 1.0, 1.0, 0.0],
        &[0.0, 0.0, 1.0, 0.0],
        &[1.0, 1.0, 1.0, 1.0],
        &[0.0, 1.0, 0.0, 0.0],
    ]);
    let mask = [true, true, true, true, false];
    let hits = pointing_game(&maps, &targets, Some(&mask), 0.0).unwrap();
    assert_eq!(
        hits,
        vec![Some(true), Some(false), Some(false), Some(false), None]
    );
    // A soft target with threshold 0.5: 0.4 is outside the support.
    let soft = t2(&[&[0.0, 0.4, 0.6, 0.0]]);
    let m = t2(&[&[0.0, 1.0, 0.5, 0.0]]);
    assert_eq!(
        pointing_game(&m, &soft, None, 0.5).unwrap(),
        vec![Some(false)]
    );
}

/// Closed form: mass inside = (0.3 + 0.3) / (0.3 + 0.3 + 0.2) = 0.75 (negative values ignored);
/// a map with no positive value has mass 0.
#[test]
fn relevance_mass_constructed_cases() {
    let maps = t2(&[&[0.3, 0.3, 0.2, -5.0], &[-1.0, 0.0, -2.0, 0.0]]);
    let targets = t2(&[&[1.0, 1.0, 0.0, 1.0], &[1.0, 1.0, 1.0, 1.0]]);
    let r = relevance_mass(&maps, &targets, None, 0.0).unwrap();
    assert!((r[0].unwrap() - 0.75).abs() < 1e-12);
    assert_eq!(r[1], Some(0.0));
}

/// Closed form: CAM-target NCC of a map with itself is 1, with its negation −1, of a flat map 0.
#[test]
fn cam_target_ncc_constructed_cases() {
    let maps = t2(&[&[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0], &[1.0, 1.0, 1.0]]);
    let targets = t2(&[&[0.0, 1.0, 2.0], &[2.0, 1.0, 0.0], &[0.0, 1.0, 0.0]]);
    let r = cam_target_ncc(&maps, &targets, Some(&[true, true, true]), 1e-8).unwrap();
    assert!((r[0].unwrap() - 1.0).abs() < 1e-8);
    assert!((r[1].unwrap() + 1.0).abs() < 1e-8);
    assert_eq!(r[2], Some(0.0));
}

/// Closed forms: trapezoid areas of evenly sampled curves; Spearman with ties
/// (ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): 4.5 / √(4.5 · 5) = 0.9486832980505138).
#[test]
fn auc_and_rank_correlation_closed_forms() {
    assert_eq!(auc(&[1.0, 1.0]), 1.0);
    assert_eq!(auc(&[0.0, 1.0, 0.0]), 0.5);
    assert_eq!(auc(&[0.7]), 0.0);
    let r = rank_correlation(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert!((r - 0.948_683_298_050_513_8).abs() < 1e-12);
    assert_eq!(rank_correlation(&[1.0, 1.0], &[1.0, 2.0]).unwrap(), 0.0);
    assert!(matches!(
        rank_correlation(&[1.0], &[1.0, 2.0]),
        Err(Error::Input(_))
    ));
}

/// Constructed case with a closed form: two classes, `y_0 − y_1 = a · Σ_{t<2} x_t` (T = 8, x = 1)
/// and a map that ranks samples 0 and 1 first. With 4 steps (2 samples per step), deletion
/// removes the whole evidence at step 1: p = σ(2a), then 0.5, 0.5, 0.5, 0.5; insertion is
/// the mirror: 0.5, then σ(2a) four times. An increasing map ranks them last: step 4.
#[test]
fn deletion_and_insertion_curves_closed_form() {
    let a = 1.5;
    let v = Tensor::new(&[[a, a, 0., 0., 0., 0., 0., 0.], [0f64; 8]], &Device::Cpu).unwrap();
    let model = TimeLinear { v };
    let xs = Tensor::ones((2, 1, 8), DType::F64, &Device::Cpu).unwrap();
    let good = [1.0, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    let bad = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    let maps = t2(&[&good, &bad]);
    let c = perturbation_curves(&model, &xs, &maps, &[0, 0], 4, Baseline::Zero).unwrap();
    let s = 1.0 / (1.0 + (-2.0 * a).exp());
    let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-12);
    assert_eq!(c.fractions, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert!(close(&c.deletion[0], &[s, 0.5, 0.5, 0.5, 0.5]));
    assert!(close(&c.insertion[0], &[0.5, s, s, s, s]));
    // An increasing map: the two evidence samples go last.
    assert!(close(&c.deletion[1], &[s, s, s, s, 0.5]));
    assert!(close(&c.insertion[1], &[0.5, 0.5, 0.5, 0.5, s]));
    let (d, i) = (c.deletion_auc(), c.insertion_auc());
    assert!((d[0] - (0.25 * (s + 0.5) / 2.0 + 0.75 * 0.5)).abs() < 1e-12);
    assert!(d[0] < d[1] && i[0] > i[1]);
    // Mean baseline of an all-ones record is 1: nothing changes.
    let m = perturbation_curves(&model, &xs, &maps, &[0, 0], 4, Baseline::Mean).unwrap();
    assert!(close(&m.deletion[0], &[s; 5]));
    // Maps at the wrong length, zero steps, class out of range.
    let short = t2(&[&[0.0; 4], &[0.0; 4]]);
    for r in [
        perturbation_curves(&model, &xs, &short, &[0, 0], 4, Baseline::Zero),
        perturbation_curves(&model, &xs, &maps, &[0, 0], 0, Baseline::Zero),
        perturbation_curves(&model, &xs, &maps, &[0, 2], 4, Baseline::Zero),
    ] {
        assert!(matches!(r, Err(Error::Input(_))));
    }
}

/// Constructed: the same model gives similarity 1; a twin whose time weights are reversed gives
/// HiResCAM maps `V_c` reversed (x = 1), so Spearman and NCC are both −1. On the tiny EXGnet
/// with a second seed the Grad-CAM maps change (similarity well below 1).
#[test]
fn randomisation_check_constructed_cases() {
    let up: Vec<f64> = (1..=6).map(f64::from).collect();
    let down: Vec<f64> = up.iter().rev().copied().collect();
    let model = TimeLinear {
        v: Tensor::new(vec![up.clone(), vec![0.0; 6]], &Device::Cpu).unwrap(),
    };
    let twin = TimeLinear {
        v: Tensor::new(vec![down, vec![0.0; 6]], &Device::Cpu).unwrap(),
    };
    let xs = Tensor::ones((2, 1, 6), DType::F64, &Device::Cpu).unwrap();
    let hires = HiResCam {
        post: PostProcess::RAW,
    };
    let same =
        randomisation_check(&hires, &model, &model, &xs, TargetClass::Labels(&[0, 0])).unwrap();
    assert!(
        same.spearman
            .iter()
            .chain(&same.ncc)
            .all(|v| (v - 1.0).abs() < 1e-9)
    );
    let rev =
        randomisation_check(&hires, &model, &twin, &xs, TargetClass::Labels(&[0, 0])).unwrap();
    assert!(
        rev.spearman
            .iter()
            .chain(&rev.ncc)
            .all(|v| (v + 1.0).abs() < 1e-9)
    );

    let (net, _a) = tiny_net(1, DType::F64);
    let (other, _b) = tiny_net(2, DType::F64);
    let xs = common::noise(3, &[4, 1, 40], DType::F64);
    let r = randomisation_check(
        &GradCam::default(),
        &net,
        &other,
        &xs,
        TargetClass::Predicted,
    )
    .unwrap();
    let mean = r.spearman.iter().sum::<f64>() / 4.0;
    assert!(mean < 0.9, "{:?}", r.spearman);
}
