//! Grad-CAM and its siblings: the differentiable map against backpropagation, closed forms on a
//! toy model, finite-difference checks of the XAI loss gradient, and input errors.

mod common;

use candle::{DType, Device, Tensor, Var};
use common::{TimeLinear, check_gradient, max_diff, noise, tiny_net};
use exg_model::{Classifier, Forward};
use exg_xai::saliency::{
    GradCamPlusPlus, HiResCam, IntegratedGradients, PostProcess, Resolution, TargetClass,
};
use exg_xai::{Error, GradCam, Saliency, ncc_loss, resample};

const RAW: GradCam = GradCam {
    post: PostProcess::RAW,
};

/// Expected values: the backpropagated Grad-CAM (mean over time of ∂y_c/∂A, times A). The
/// closed-form map must equal it for every class, batch 3, in f32 and f64.
#[test]
fn differentiable_map_equals_backpropagated_grad_cam() {
    for (dtype, tol) in [(DType::F32, 1e-5), (DType::F64, 1e-12)] {
        let (net, _vars) = tiny_net(3, dtype);
        let xs = noise(7, &[3, 1, 40], dtype);
        let fwd = net.forward_all_t(&xs, false).unwrap();
        let mut class_sets: Vec<Vec<usize>> = (0..3).map(|c| vec![c; 3]).collect();
        class_sets.push(vec![2, 0, 1]);
        for classes in class_sets {
            let exact = RAW
                .differentiable(
                    &fwd,
                    net.head_weight().expect("GAP -> linear head"),
                    &classes,
                    Resolution::Native,
                )
                .unwrap();
            let backprop = RAW.backpropagated(&net, &fwd, &classes).unwrap();
            assert_eq!(exact.dims(), &[3, 20]);
            let scale = backprop.abs().unwrap().max_all().unwrap();
            let scale = scale
                .to_dtype(DType::F64)
                .unwrap()
                .to_scalar::<f64>()
                .unwrap();
            let d = max_diff(&exact, &backprop);
            assert!(d <= tol * scale.max(1.0), "{dtype:?} {classes:?}: {d}");
        }
    }
}

/// Closed form: with a GAP → linear head ∂y_c/∂A is constant in time, so HiResCAM = Grad-CAM.
#[test]
fn hires_cam_equals_grad_cam_for_gap_linear_heads() {
    let (net, _vars) = tiny_net(5, DType::F64);
    let xs = noise(11, &[2, 1, 40], DType::F64);
    let fwd = net.forward_all_t(&xs, false).unwrap();
    let hires = HiResCam {
        post: PostProcess::RAW,
    };
    let a = hires.raw(&net, &xs, &fwd, &[1, 2]).unwrap();
    let b = RAW.raw(&net, &xs, &fwd, &[1, 2]).unwrap();
    assert!(max_diff(&a, &b) < 1e-12);
}

/// The expected value of a map at `(record, time)`.
type Expected<'a> = Box<dyn Fn(usize, usize) -> f64 + 'a>;

fn toy() -> (TimeLinear, Tensor, Vec<f64>, Vec<Vec<f64>>) {
    let v = noise(21, &[2, 8], DType::F64);
    let x = noise(22, &[2, 1, 8], DType::F64);
    let xv = x.squeeze(1).unwrap().to_vec2::<f64>().unwrap();
    let vv = v.to_vec2::<f64>().unwrap();
    (TimeLinear { v }, x, vv[1].clone(), xv)
}

/// Closed forms on `y_c = Σ_t V[c,t] x_t` (class 1 for both records), where `∂y_c/∂x_t =
/// V[c,t]`: Grad-CAM = mean(V_c)·x, HiResCAM = V_c ⊙ x, Integrated Gradients (zero baseline,
/// exact for a linear model) = V_c ⊙ x, Grad-CAM++ per pytorch-grad-cam's formula.
#[test]
fn maps_of_a_time_linear_model_have_closed_forms() {
    let (model, xs, vc, x) = toy();
    let fwd = model.forward_all_t(&xs, false).unwrap();
    let classes = [1, 1];
    let raw = |s: &dyn Saliency| {
        s.raw(&model, &xs, &fwd, &classes)
            .unwrap()
            .to_vec2::<f64>()
            .unwrap()
    };
    let mean_v = vc.iter().sum::<f64>() / 8.0;
    let plus = |xr: &[f64]| {
        let sum_a: f64 = xr.iter().sum();
        let alpha: f64 = vc
            .iter()
            .map(|&g| g * g / (2.0 * g * g + sum_a * g * g * g + 1e-6) * g.max(0.0))
            .sum();
        alpha
    };
    let cases: Vec<(Box<dyn Saliency>, Expected)> = vec![
        (Box::new(RAW), Box::new(|b, t| mean_v * x[b][t])),
        (
            Box::new(HiResCam {
                post: PostProcess::RAW,
            }),
            Box::new(|b, t| vc[t] * x[b][t]),
        ),
        (
            Box::new(IntegratedGradients {
                steps: 3,
                post: PostProcess::RAW,
            }),
            Box::new(|b, t| vc[t] * x[b][t]),
        ),
        (
            Box::new(GradCamPlusPlus {
                post: PostProcess::RAW,
            }),
            Box::new(|b, t| plus(&x[b]) * x[b][t]),
        ),
    ];
    for (s, expect) in cases {
        let m = raw(s.as_ref());
        for (b, row) in m.iter().enumerate() {
            for (t, v) in row.iter().enumerate() {
                assert!((v - expect(b, t)).abs() < 1e-12, "{} [{b},{t}]", s.name());
            }
        }
    }
}

/// Completeness (Sundararajan et al. 2017): Σ_t IG_t = y_c(x) − y_c(0) up to the midpoint
/// rule's O(1/steps²) error, on the (non-linear) tiny EXGnet.
#[test]
fn integrated_gradients_are_complete() {
    let (net, _vars) = tiny_net(9, DType::F64);
    let xs = noise(4, &[2, 1, 40], DType::F64);
    let ig = IntegratedGradients {
        steps: 128,
        post: PostProcess::RAW,
    };
    let fwd = net.forward_all_t(&xs, false).unwrap();
    let attr = ig.raw(&net, &xs, &fwd, &[0, 2]).unwrap().sum(1).unwrap();
    let y = |x: &Tensor| {
        let l = net.forward_all_t(x, false).unwrap().logits;
        l.to_vec2::<f64>().unwrap()
    };
    let (y1, y0) = (y(&xs), y(&xs.zeros_like().unwrap()));
    for (b, (a, c)) in attr
        .to_vec1::<f64>()
        .unwrap()
        .iter()
        .zip([0, 2])
        .enumerate()
    {
        let expect = y1[b][c] - y0[b][c];
        assert!(
            (a - expect).abs() < 1e-3 * expect.abs().max(1.0),
            "{a} vs {expect}"
        );
    }
}

/// Central finite differences (f64, h = 1e-6, batch 2): the XAI loss
/// `1 − NCC(post(resample(cam(A, W))), g)` differentiated through the closed-form Grad-CAM, with
/// respect to every activation and every head weight, for raw and for ReLU + min-max maps.
#[test]
fn xai_loss_gradient_matches_finite_differences() {
    let a0 = noise(31, &[2, 3, 5], DType::F64);
    let w0 = noise(32, &[4, 3], DType::F64);
    let target = noise(33, &[2, 12], DType::F64).abs().unwrap();
    let classes = [3, 1];
    for post in [PostProcess::RAW, PostProcess::default()] {
        let cam = GradCam::new(post);
        let loss = |a: &Tensor, w: &Tensor| {
            let fwd = Forward {
                activations: a.clone(),
                embedding: a.mean(2).unwrap(),
                logits: Tensor::zeros((2, 4), DType::F64, &Device::Cpu).unwrap(),
            };
            let m = cam
                .differentiable(&fwd, w, &classes, Resolution::Length(12))
                .unwrap();
            ncc_loss(&m, &target, None, 1e-8).unwrap().loss
        };
        let (a, w) = (
            Var::from_tensor(&a0).unwrap(),
            Var::from_tensor(&w0).unwrap(),
        );
        let grads = loss(a.as_tensor(), w.as_tensor()).backward().unwrap();
        let scalar = |t: Tensor| t.to_scalar::<f64>().unwrap();
        let ga = grads.get(a.as_tensor()).unwrap();
        check_gradient(&a0, ga, 1, 1e-6, |x| scalar(loss(x, &w0)));
        let gw = grads.get(w.as_tensor()).unwrap();
        check_gradient(&w0, gw, 1, 1e-6, |x| scalar(loss(&a0, x)));
    }
}

/// Central finite differences through the whole tiny EXGnet (f64, inference mode, batch 2):
/// the XAI loss reaches the trunk's first convolution with the right gradient, with one
/// ordinary backward.
#[test]
fn xai_loss_gradient_reaches_the_trunk() {
    let (net, _vars) = tiny_net(13, DType::F64);
    let xs = noise(14, &[2, 1, 40], DType::F64);
    let target = noise(15, &[2, 40], DType::F64).abs().unwrap();
    let loss = || {
        let fwd = net.forward_all_t(&xs, false).unwrap();
        let m = GradCam::new(PostProcess::TRAINING)
            .differentiable(
                &fwd,
                net.head_weight().expect("GAP -> linear head"),
                &[0, 1],
                Resolution::Length(40),
            )
            .unwrap();
        ncc_loss(&m, &target, None, 1e-8).unwrap().loss
    };
    let vars = net.trainable_vars();
    let first = &vars[0];
    let grads = loss().backward().unwrap();
    let x0 = first.as_tensor().copy().unwrap();
    check_gradient(&x0, grads.get(first.as_tensor()).unwrap(), 3, 1e-6, |x| {
        first.set(x).unwrap();
        let l = loss().to_scalar::<f64>().unwrap();
        first.set(&x0).unwrap();
        l
    });
}

/// Constructed case: `explain` at the input length returns normalised maps in [0, 1] of shape
/// (B, T), and `Predicted` picks the arg-max of the logits.
#[test]
fn explain_resolves_classes_and_resamples() {
    let (net, _vars) = tiny_net(1, DType::F32);
    let xs = noise(2, &[2, 1, 40], DType::F32);
    let e = GradCam::default()
        .explain(&net, &xs, TargetClass::Predicted, Resolution::Length(40))
        .unwrap();
    assert_eq!(e.maps.dims(), &[2, 40]);
    let argmax: Vec<usize> = e
        .logits
        .argmax(1)
        .unwrap()
        .to_vec1::<u32>()
        .unwrap()
        .into_iter()
        .map(|c| c as usize)
        .collect();
    assert_eq!(e.classes, argmax);
    let v = e.maps.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
    // The same map, resampled by hand from the native length, before min-max.
    let native = GradCam::new(PostProcess::TRAINING)
        .explain(&net, &xs, TargetClass::Predicted, Resolution::Native)
        .unwrap();
    assert_eq!(native.maps.dims(), &[2, 20]);
    let up = PostProcess::default()
        .apply(&resample(&native.maps, 40).unwrap(), None)
        .unwrap();
    assert!(max_diff(&up, &e.maps) < 1e-6);
}

/// Bad input is a typed `Error::Input`, never a panic.
#[test]
fn bad_input_is_a_typed_error() {
    let (net, _vars) = tiny_net(1, DType::F32);
    let xs = noise(2, &[2, 1, 40], DType::F32);
    let fwd = net.forward_all_t(&xs, false).unwrap();
    let w = net.head_weight().expect("GAP -> linear head");
    let input_err =
        |r: exg_xai::Result<Tensor>| assert!(matches!(r, Err(Error::Input(_))), "{r:?}");
    // class out of range, wrong count
    input_err(RAW.differentiable(&fwd, w, &[0, 3], Resolution::Native));
    input_err(RAW.differentiable(&fwd, w, &[0], Resolution::Native));
    input_err(RAW.raw(&net, &xs, &fwd, &[5, 0]));
    // head weight that does not fit
    let bad_w = Tensor::zeros((3, 5), DType::F32, &Device::Cpu).unwrap();
    input_err(RAW.differentiable(&fwd, &bad_w, &[0, 1], Resolution::Native));
    // T' = 0 and an empty batch
    for dims in [[2, 6, 0], [0, 6, 20]] {
        let f = Forward {
            activations: Tensor::zeros(&dims, DType::F32, &Device::Cpu).unwrap(),
            ..fwd.clone()
        };
        input_err(RAW.differentiable(&f, w, &[0, 1], Resolution::Native));
    }
    // resampling to 0 samples
    input_err(RAW.differentiable(&fwd, w, &[0, 1], Resolution::Length(0)));
    // explain: empty batch, wrong input shape, labels out of range
    let empty = Tensor::zeros((0, 1, 40), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(
        RAW.explain(&net, &empty, TargetClass::Predicted, Resolution::Native),
        Err(Error::Input(_))
    ));
    assert!(matches!(
        RAW.explain(
            &net,
            &xs.squeeze(1).unwrap(),
            TargetClass::Predicted,
            Resolution::Native
        ),
        Err(Error::Input(_))
    ));
    assert!(matches!(
        RAW.explain(&net, &xs, TargetClass::Labels(&[0, 9]), Resolution::Native),
        Err(Error::Input(_))
    ));
    let ig = IntegratedGradients {
        steps: 0,
        post: PostProcess::RAW,
    };
    input_err(ig.raw(&net, &xs, &fwd, &[0, 1]));
}
