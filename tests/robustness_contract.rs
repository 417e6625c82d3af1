//! The bad-input contract of `docs/robustness.md`, one test per row of its table: for each kind
//! of bad input, what every public entry point (readers, `Ecg::new`/`Hz::new`, filters, R-peak
//! detectors, HRV features, model forward/predict, Grad-CAM) does with it: a typed error
//! variant or a documented result, never a panic and never silent garbage.
//!
//! Files are crafted in a scratch folder from the committed fixtures or from scratch; no real
//! data is needed.

use std::path::{Path, PathBuf};

use candle::{DType, Device, Tensor};
use exg::data::Error as DataError;
use exg::data::format::{self, csv, edf, mat4, mat5, wav, wfdb};
use exg::features::{
    Error as FeatError, Extract, HrvFrequency, HrvTime, Invalid, Morphology, Poincare, delineate,
};
use exg::model::{Error as ModelError, ExgNet, ExgNetConfig, init::SeededVarMap, ops};
use exg::signal::filter::{
    Bandpass, Highpass, Lowpass, Preprocess, Resample, ResampleMethod, ZScore, butter,
    median_filter, resample_poly, zscore,
};
use exg::signal::rpeaks::{DETECTOR_NAMES, NoResult, RPeakDetector, by_name, default_detector};
use exg::signal::synthetic::{SyntheticConfig, generate};
use exg::signal::{Ecg, Error as SigError, Hz, RPeaks};
use exg::xai::saliency::{PostProcess, Resolution, TargetClass};
use exg::xai::{Error as XaiError, GradCam, Saliency};

// ---------------------------------------------------------------------------------------------
// Helpers

/// A scratch folder removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("exg-contract-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/exg-data/tests/fixtures/formats")
        .join(rel)
}

fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

fn hz(f: f64) -> Hz {
    Hz::new(f).unwrap()
}

/// 10 s of clean synthetic sinus rhythm at 250 Hz, with its true R-peaks.
fn sinus(duration_s: f64) -> (Ecg, RPeaks) {
    let syn = generate(&SyntheticConfig::new(hz(250.0), duration_s)).unwrap();
    (syn.ecg, syn.r_peaks)
}

/// The tiny EXGnet (100 Hz, 40-sample window, 3 classes), seeded.
fn tiny_net() -> ExgNet {
    let cfg = ExgNetConfig::tiny();
    ExgNet::new(
        &cfg,
        SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap()
}

/// `(1, 1, n)` model input from `values` (cycled).
fn input(values: &[f32], n: usize) -> Tensor {
    let v: Vec<f32> = (0..n).map(|i| values[i % values.len()]).collect();
    Tensor::from_vec(v, (1, 1, n), &Device::Cpu).unwrap()
}

fn grad_cam(net: &ExgNet, x: &Tensor) -> exg::xai::Result<exg::xai::saliency::Explanation> {
    let n = x.dim(2).unwrap_or(0);
    GradCam::new(PostProcess::default()).explain(
        net,
        x,
        TargetClass::Predicted,
        Resolution::Length(n.max(1)),
    )
}

/// Every built-in detector and the default (gated) one.
fn detectors() -> Vec<(String, Box<dyn RPeakDetector>)> {
    let mut out: Vec<(String, Box<dyn RPeakDetector>)> =
        vec![("default".into(), Box::new(default_detector()))];
    for name in DETECTOR_NAMES {
        let d = by_name(name).unwrap();
        out.push((name.to_owned(), Box::new(d)));
    }
    out
}

/// True when every feature of `v` is invalid (and says why).
fn all_invalid(v: &exg::features::FeatureVector) -> bool {
    v.features()
        .iter()
        .all(|f| !f.is_valid() && f.reason().is_some())
}

/// The HRV extractors of the contract.
fn hrv_features(ecg: &Ecg, peaks: &RPeaks) -> Vec<exg::features::FeatureVector> {
    vec![
        HrvTime::all().extract(ecg, peaks).unwrap(),
        HrvFrequency::welch().extract(ecg, peaks).unwrap(),
        Poincare::default().extract(ecg, peaks).unwrap(),
        Morphology::default().extract(ecg, peaks).unwrap(),
    ]
}

/// A WFDB format-16 record of `samples` (one signal, gain 200) in `dir`; returns the header.
fn wfdb16(s: &Scratch, name: &str, samples: &[i16], declared: Option<usize>) -> PathBuf {
    let dat: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    s.write(&format!("{name}.dat"), &dat);
    let n = declared.map_or(String::new(), |n| format!(" {n}"));
    s.write(
        &format!("{name}.hea"),
        format!("{name} 1 250{n}\n{name}.dat 16 200 16 0 0 0 0 II\n").as_bytes(),
    )
}

macro_rules! assert_err {
    ($e:expr, $pat:pat) => {
        match $e {
            Err($pat) => {}
            other => panic!(
                "{}: expected {}, got {:?}",
                stringify!($e),
                stringify!($pat),
                other.map(|_| ())
            ),
        }
    };
}

// ---------------------------------------------------------------------------------------------
// One test per row of the table.

#[test]
fn empty() {
    let s = Scratch::new("empty");
    // Readers: an empty file is Truncated (WAV: hound calls it malformed); MAT v5 has no header.
    assert_err!(
        wfdb::read_record(s.write("e.hea", b"")),
        DataError::Truncated { .. }
    );
    assert_err!(
        wfdb::read_annotation_file(s.write("e.atr", b"")),
        DataError::Truncated { .. }
    );
    assert_err!(
        mat4::read_mat4(s.write("e.mat", b"")),
        DataError::Truncated { .. }
    );
    assert_err!(
        mat5::parse_mat5(b"", Path::new("e.mat")),
        DataError::Malformed { .. }
    );
    assert_err!(
        edf::read_edf(s.write("e.edf", b"")),
        DataError::Truncated { .. }
    );
    assert_err!(
        wav::read_wav(s.write("e.wav", b"")),
        DataError::Truncated { .. } | DataError::Malformed { .. }
    );
    assert_err!(
        csv::read_csv(s.write("e.csv", b""), hz(250.0), &Default::default()),
        DataError::Truncated { .. }
    );
    assert_err!(
        format::open(s.write("e.bin", b"")),
        DataError::UnknownFormat { .. }
    );
    // A WFDB record whose signal file is empty and whose header states no length.
    s.write("z.dat", b"");
    let z = s.write("z.hea", b"z 1 250\nz.dat 16\n");
    assert_err!(wfdb::read_record(&z), DataError::Truncated { .. });
    // Ecg::new: no empty signal.
    assert_err!(Ecg::new(vec![], hz(250.0)), SigError::Empty);
    // Filters on slices.
    assert_err!(zscore(&[]), SigError::Empty);
    assert_err!(median_filter(&[], 3), SigError::Empty);
    assert_err!(
        resample_poly(&[], 2, 1, Default::default()),
        SigError::Empty
    );
    let sos = butter(2, exg::signal::filter::Band::Lowpass(hz(40.0)), hz(250.0)).unwrap();
    assert_err!(sos.filtfilt(&[]), SigError::Empty);
    assert!(sos.filter(&[]).is_empty());
    // Detectors and HRV: no empty Ecg exists; no peaks give invalid features.
    let peaks = RPeaks::empty(hz(250.0), 2500);
    let ecg = Ecg::new(vec![0.0; 2500], hz(250.0)).unwrap();
    assert!(hrv_features(&ecg, &peaks).iter().all(all_invalid));
    assert!(all_invalid(&HrvTime::all().extract_peaks(&peaks).unwrap()));
    // Model and Grad-CAM: an empty batch or a zero-length input.
    let net = tiny_net();
    assert_err!(
        net.predict_proba(&Tensor::zeros((1, 1, 0), DType::F32, &Device::Cpu).unwrap()),
        ModelError::Input(_)
    );
    assert_err!(
        net.predict_proba(&Tensor::zeros((0, 1, 40), DType::F32, &Device::Cpu).unwrap()),
        ModelError::Input(_)
    );
    let x = Tensor::zeros((2, 3, 0), DType::F32, &Device::Cpu).unwrap();
    assert_err!(ops::max_pool1d(&x, 2), candle::Error::EmptyTensor { .. });
    assert_err!(
        grad_cam(
            &net,
            &Tensor::zeros((1, 1, 0), DType::F32, &Device::Cpu).unwrap()
        ),
        XaiError::Input(_)
    );
}

#[test]
fn truncated() {
    let s = Scratch::new("truncated");
    // WFDB signal file cut in half.
    let hea = read_fixture("wfdb/syn212.hea");
    let dat = read_fixture("wfdb/syn212.dat");
    s.write("syn212.hea", &hea);
    s.write("syn212.dat", &dat[..dat.len() / 2]);
    assert_err!(
        wfdb::read_record(s.0.join("syn212")),
        DataError::Truncated { .. }
    );
    // Annotation file without its terminating zero word.
    let atr = read_fixture("wfdb/syn212.atr");
    assert_err!(
        wfdb::parse_annotations(&atr[..atr.len() - 2], Path::new("a.atr")),
        DataError::Truncated { .. }
    );
    // EDF cut inside the data records, WAV cut inside the data chunk.
    let e = read_fixture("edfplus_c.edf");
    assert_err!(
        edf::read_edf(s.write("c.edf", &e[..e.len() - 300])),
        DataError::Truncated { .. }
    );
    let w = read_fixture("wav_int16_2ch.wav");
    assert_err!(
        wav::parse_wav(&w[..w.len() - 101], Path::new("c.wav")),
        DataError::Truncated { .. }
    );
    // MAT v4 body shorter than its dimensions; MAT v5 element past the end.
    let mut m = Vec::new();
    for v in [30u32, 2, 100, 0, 4] {
        m.extend(v.to_le_bytes());
    }
    m.extend(b"val\0");
    m.extend([0u8; 10]);
    assert_err!(
        mat4::parse_mat4(&m, Path::new("c.mat")),
        DataError::Truncated { .. }
    );
    let mut m5 = b"MATLAB 5.0 MAT-file".to_vec();
    m5.resize(124, b' ');
    m5.extend([0, 1, b'I', b'M', 14, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3]);
    assert_err!(
        mat5::parse_mat5(&m5, Path::new("c.mat")),
        DataError::Malformed { .. }
    );
    // Model file cut in its tensor data.
    let net = tiny_net();
    let model = s.0.join("m.safetensors");
    net.save_described(&model, &tiny_meta()).unwrap();
    let bytes = std::fs::read(&model).unwrap();
    let cut = s.write("cut.safetensors", &bytes[..bytes.len() - 10]);
    assert_err!(
        ExgNet::load_described(&cut, &Device::Cpu),
        ModelError::Format { .. }
    );
    // Feature standardiser JSON cut short.
    let st = s.write("st.json", b"{\"schema\": {\"specs\": [");
    assert_err!(exg::features::Standardizer::load(&st), FeatError::Json(_));
}

fn tiny_meta() -> exg::model::ModelMeta {
    exg::model::ModelMeta::new(
        vec!["a".into(), "b".into(), "c".into()],
        exg::model::Preprocessing::zscore_at(100.0),
        "contract",
    )
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes() {
    let s = Scratch::new("random");
    for seed in 1..20 {
        let b = noise_bytes(1500, seed);
        let p = Path::new("r");
        // Never a panic: a typed error (random bytes can, rarely, be a valid annotation list).
        assert_err!(
            wfdb::parse_header_bytes(&b, p),
            DataError::Malformed { .. } | DataError::Truncated { .. }
        );
        assert!(matches!(
            wfdb::parse_annotations(&b, p),
            Ok(_) | Err(DataError::Truncated { .. } | DataError::Malformed { .. })
        ));
        assert_err!(
            mat4::parse_mat4(&b, p),
            DataError::Malformed { .. }
                | DataError::Truncated { .. }
                | DataError::Unsupported { .. }
        );
        assert_err!(mat5::parse_mat5(&b, p), DataError::Malformed { .. });
        assert_err!(wav::parse_wav(&b, p), DataError::Malformed { .. });
        assert_err!(
            edf::read_edf(s.write("r.edf", &b)),
            DataError::Malformed { .. } | DataError::Truncated { .. }
        );
        assert_err!(
            csv::read_csv(s.write("r.csv", &b), hz(250.0), &Default::default()),
            DataError::Malformed { .. }
        );
        assert_err!(
            format::open(s.write("r.bin", &b)),
            DataError::UnknownFormat { .. }
        );
        // A WFDB record whose signal file is random: decodes (any bytes are samples), and the
        // header's checksum catches it when one is written.
        s.write("r.dat", &b);
        let rec = wfdb::read_record(s.write("r.hea", b"r 1 250 750\nr.dat 16\n")).unwrap();
        assert_eq!(rec.n_samples(), 750);
        assert_err!(
            wfdb::read_record(s.write("r.hea", b"r 1 250 750\nr.dat 16 200 16 0 0 1 0 II\n")),
            DataError::Malformed { .. }
        );
        // Model file and standardiser JSON.
        assert_err!(
            ExgNet::load_described(&s.write("r.safetensors", &b), &Device::Cpu),
            ModelError::Format { .. }
        );
        assert_err!(
            exg::features::Standardizer::load(s.write("r.json", &b)),
            FeatError::Json(_) | FeatError::Io { .. }
        );
    }
    // Random samples as a signal: a valid Ecg; detectors find nothing consistent.
    let noise: Vec<f64> = noise_bytes(5000, 7)
        .into_iter()
        .map(|b| f64::from(b) / 255.0 - 0.5)
        .collect();
    let ecg = Ecg::new(noise, hz(250.0)).unwrap();
    let d = default_detector().detect(&ecg).unwrap();
    assert!(d.peaks.is_empty());
    assert_eq!(d.no_result, Some(NoResult::NoConsistentQrs));
}

#[test]
fn header_data_mismatch() {
    let s = Scratch::new("mismatch");
    // WFDB: more samples declared than stored; a wrong checksum; signal count vs lines.
    let h = wfdb16(&s, "m", &[0, 1, 2, 3], Some(10));
    assert_err!(wfdb::read_record(&h), DataError::Truncated { .. });
    s.write("m.hea", b"m 1 250 4\nm.dat 16 200 16 0 0 99 0 II\n");
    assert_err!(
        wfdb::read_record(s.0.join("m.hea")),
        DataError::Malformed { .. }
    );
    s.write("m.hea", b"m 2 250 4\nm.dat 16\n");
    assert_err!(
        wfdb::read_record(s.0.join("m.hea")),
        DataError::Malformed { .. }
    );
    // EDF header size field vs its signal count.
    let mut e = read_fixture("edfplus_c.edf");
    e[184..192].copy_from_slice(b"512     ");
    assert_err!(
        edf::read_edf(s.write("h.edf", &e)),
        DataError::Malformed { .. }
    );
    // WAV: a data chunk longer than the file.
    let mut w = read_fixture("wav_int16_2ch.wav");
    let at = w.windows(4).position(|c| c == b"data").unwrap() + 4;
    w[at..at + 4].copy_from_slice(&0xFFFF_FFFCu32.to_le_bytes()); // whole frames
    assert_err!(
        wav::parse_wav(&w, Path::new("w.wav")),
        DataError::Truncated { .. }
    );
    // Peaks found on another record: HRV refuses them; so does delineate.
    let (ecg, peaks) = sinus(10.0);
    let other = RPeaks::new(peaks.indices().to_vec(), hz(500.0), 5000).unwrap();
    assert_err!(
        HrvTime::all().extract(&ecg, &other),
        FeatError::PeaksMismatch(_)
    );
    assert_err!(
        delineate(&[ecg.samples()], ecg.fs(), &other),
        FeatError::PeaksMismatch(_)
    );
    assert_err!(
        RPeaks::new(vec![5, 3], hz(250.0), 10),
        SigError::InvalidPeaks(_)
    );
    assert_err!(
        RPeaks::new(vec![3, 10], hz(250.0), 10),
        SigError::InvalidPeaks(_)
    );
    // Model: input of the wrong shape; a file whose metadata config does not fit its tensors.
    let net = tiny_net();
    assert_err!(
        net.predict_proba(&Tensor::zeros((1, 2, 40), DType::F32, &Device::Cpu).unwrap()),
        ModelError::Input(_)
    );
    let model = s.0.join("m.safetensors");
    net.save_described(&model, &tiny_meta()).unwrap();
    let swapped = swap_config(&std::fs::read(&model).unwrap(), &ExgNetConfig::edge());
    assert_err!(
        ExgNet::load_described(&s.write("x.safetensors", &swapped), &Device::Cpu),
        ModelError::ConfigMismatch { .. } | ModelError::Metadata { .. }
    );
    // Grad-CAM with labels that do not fit the batch.
    let x = input(&[0.1, -0.2], 40);
    assert_err!(
        GradCam::default().explain(&net, &x, TargetClass::Labels(&[0, 1]), Resolution::Native),
        XaiError::Input(_)
    );
    assert_err!(
        GradCam::default().explain(&net, &x, TargetClass::Labels(&[7]), Resolution::Native),
        XaiError::Input(_)
    );
}

/// A described model file with `cfg` written into its `exg.config` metadata (and the matching
/// rate, length and preprocessing), tensors unchanged.
fn swap_config(bytes: &[u8], cfg: &ExgNetConfig) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let md = header["__metadata__"].as_object_mut().unwrap();
    md.insert(
        "exg.config".into(),
        serde_json::to_string(cfg).unwrap().into(),
    );
    md.insert(
        "exg.sample_rate_hz".into(),
        serde_json::to_string(&cfg.sample_rate_hz).unwrap().into(),
    );
    md.insert("exg.input_len".into(), cfg.input_len.to_string().into());
    let pre = exg::model::Preprocessing::zscore_at(cfg.sample_rate_hz);
    md.insert(
        "exg.preprocessing".into(),
        serde_json::to_string(&pre).unwrap().into(),
    );
    md.insert(
        "exg.classes".into(),
        serde_json::to_string(
            &(0..cfg.n_classes)
                .map(|i| i.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap()
        .into(),
    );
    let mut h = serde_json::to_vec(&header).unwrap();
    h.resize(h.len().div_ceil(8) * 8, b' ');
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend(h);
    out.extend(&bytes[8 + n..]);
    out
}

#[test]
fn nan_and_infinite_samples() {
    let s = Scratch::new("nan");
    // Readers keep NaN and infinities as they are written (CSV `NaN`, `inf`).
    let rec = csv::read_csv(
        s.write("n.csv", b"1\nNaN\ninf\n-inf\n2\n"),
        hz(250.0),
        &Default::default(),
    )
    .unwrap();
    let x = &rec.channels[0].samples;
    assert!(x[1].is_nan() && x[2] == f64::INFINITY && x[3] == f64::NEG_INFINITY);
    // Ecg::new and Record::ecg refuse them, naming the first.
    assert_err!(
        rec.ecg(0),
        DataError::Signal(SigError::NonFinite { index: 1 })
    );
    assert_err!(
        Ecg::new(vec![0.0, f64::INFINITY], hz(250.0)),
        SigError::NonFinite { index: 1 }
    );
    // Checked filters refuse them; the low-level `Sos::filter` propagates them (documented).
    let bad = [0.0, 1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    assert_err!(zscore(&bad), SigError::NonFinite { index: 2 });
    assert_err!(median_filter(&bad, 3), SigError::NonFinite { index: 2 });
    assert_err!(
        resample_poly(&bad, 2, 1, Default::default()),
        SigError::NonFinite { index: 2 }
    );
    let sos = butter(2, exg::signal::filter::Band::Lowpass(hz(40.0)), hz(250.0)).unwrap();
    assert_err!(sos.filtfilt(&bad), SigError::NonFinite { index: 2 });
    assert!(sos.filter(&bad)[2].is_nan());
    // Detectors and HRV only see checked Ecgs; delineate checks its slices.
    let (ecg, peaks) = sinus(10.0);
    let mut leads = ecg.samples().to_vec();
    leads[100] = f64::NAN;
    assert_err!(
        delineate(&[&leads], ecg.fs(), &peaks),
        FeatError::Signal(SigError::NonFinite { index: 100 })
    );
    // Model and Grad-CAM: typed errors, not NaN probabilities or maps.
    let net = tiny_net();
    for v in [f32::NAN, f32::INFINITY] {
        let x = input(&[0.1, v, -0.3], 40);
        assert_err!(net.predict_proba(&x), ModelError::Input(_));
        assert_err!(grad_cam(&net, &x), XaiError::Input(_));
    }
}

#[test]
fn wfdb_invalid_sample_marker() {
    let s = Scratch::new("invalid");
    // Format 16's invalid-sample value −32768 reads as NaN (gain and baseline do not apply).
    let h = wfdb16(&s, "g", &[0, 200, -32768, -200, 0], Some(5));
    let rec = wfdb::read_record(&h).unwrap();
    let x = &rec.channels[0].samples;
    assert_eq!((x[1], x[3]), (1.0, -1.0));
    assert!(x[2].is_nan());
    // The chunked reader agrees.
    let mut r = wfdb::SignalReader::open(&h).unwrap();
    let c = r.read_chunk(3).unwrap().unwrap();
    assert!(c.channels[0][2].is_nan());
    // A lead with a gap is not an Ecg: the caller splits or fills the gap.
    assert_err!(
        rec.ecg(0),
        DataError::Signal(SigError::NonFinite { index: 2 })
    );
    // Every format's marker (212: −2048, 80: −128, 24: −2^23, 32: −2^31) is tested against
    // wfdb-python in crates/exg-data/tests/formats_wfdb_oracle.rs.
}

#[test]
fn flat_line() {
    let fs = hz(250.0);
    let ecg = Ecg::new(vec![0.3; 2500], fs).unwrap();
    // Scaling refuses it (zero spread); frequency filters return a flat line.
    assert_err!(zscore(ecg.samples()), SigError::Flat { .. });
    assert_err!(ZScore.apply(&ecg), SigError::Flat { .. });
    let y = Bandpass::new(hz(0.5), hz(40.0), 2).apply(&ecg).unwrap();
    assert!(y.samples().iter().all(|v| v.abs() < 1e-9));
    // Every detector: no peaks, `NoResult::NoBeats`.
    for (name, d) in detectors() {
        let det = d.detect(&ecg).unwrap();
        assert!(det.peaks.is_empty(), "{name}");
        assert_eq!(det.no_result, Some(NoResult::NoBeats), "{name}");
    }
    // HRV: every feature invalid; delineation: nothing to delineate.
    let peaks = RPeaks::empty(fs, 2500);
    assert!(hrv_features(&ecg, &peaks).iter().all(all_invalid));
    let fake = RPeaks::new(vec![500, 1000, 1500], fs, 2500).unwrap();
    assert_eq!(delineate(&[ecg.samples()], fs, &fake).unwrap(), None);
    // Model: finite probabilities (a flat input is a valid input); Grad-CAM: a finite map
    // (min-max normalisation maps a flat map to zeros).
    let net = tiny_net();
    let x = input(&[0.3], 40);
    let p = net.predict_proba(&x).unwrap().flatten_all().unwrap();
    let p: Vec<f32> = p.to_vec1().unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && (p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let m: Vec<f32> = grad_cam(&net, &x)
        .unwrap()
        .maps
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert!(m.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
}

#[test]
fn one_beat() {
    let fs = hz(250.0);
    // One QRS-like triangle in 10 s.
    let mut x = vec![0.0; 2500];
    for i in 0..10 {
        let v = 1.0 - i as f64 / 10.0;
        x[1250 - i] = v;
        x[1250 + i] = v;
    }
    let ecg = Ecg::new(x, fs).unwrap();
    // Detectors: at most one peak, or an empty result with its reason.
    for (name, d) in detectors() {
        let det = d.detect(&ecg).unwrap();
        assert!(det.peaks.len() <= 1, "{name}: {:?}", det.peaks.indices());
        assert_eq!(det.peaks.is_empty(), det.no_result.is_some(), "{name}");
    }
    // HRV: one beat has no interval: every feature invalid (too few beats).
    let peaks = RPeaks::new(vec![1250], fs, 2500).unwrap();
    for v in hrv_features(&ecg, &peaks) {
        assert!(all_invalid(&v));
    }
    let v = HrvTime::all().extract(&ecg, &peaks).unwrap();
    assert!(
        v.features()
            .iter()
            .all(|f| matches!(f.reason(), Some(Invalid::TooFewBeats { have: 1, .. }))),
        "{v:?}"
    );
    assert_eq!(delineate(&[ecg.samples()], fs, &peaks).unwrap(), None);
}

#[test]
fn clipping() {
    // A 10-s sinus record clipped at ±0.4 mV (R waves of 1 mV saturate, as at an ADC rail).
    let (ecg, truth) = sinus(10.0);
    let clipped: Vec<f64> = ecg.samples().iter().map(|v| v.clamp(-0.4, 0.4)).collect();
    let ecg = Ecg::new(clipped, ecg.fs()).unwrap();
    // Readers: values at the ADC's extremes are samples, not invalid (only −32768 is).
    let s = Scratch::new("clip");
    let h = wfdb16(&s, "c", &[32767, -32767, 32767], Some(3));
    let rec = wfdb::read_record(&h).unwrap();
    assert!(rec.channels[0].samples.iter().all(|v| v.is_finite()));
    // Filters run; detectors still find every beat within 50 ms (the flat top moves the peak
    // by at most half its width).
    let y = Highpass {
        cutoff: hz(0.5),
        order: 2,
    }
    .apply(&ecg)
    .unwrap();
    assert!(y.samples().iter().all(|v| v.is_finite()));
    for (name, d) in detectors() {
        let det = d.detect(&ecg).unwrap();
        let tol = ecg.fs().samples(0.05);
        let found = truth
            .indices()
            .iter()
            .filter(|&&t| det.peaks.indices().iter().any(|&p| p.abs_diff(t) <= tol))
            .count();
        assert!(
            found + 1 >= truth.len() && det.peaks.len() <= truth.len() + 1,
            "{name}: {found} of {} beats, {} peaks",
            truth.len(),
            det.peaks.len()
        );
    }
    // HRV on the detected peaks: valid, finite heart rate near the true 70 bpm.
    let det = default_detector().detect(&ecg).unwrap();
    let v = HrvTime::all().extract(&ecg, &det.peaks).unwrap();
    let hr = v.value("HR").unwrap();
    assert!((hr - 70.0).abs() < 5.0, "{hr}");
    // Model and Grad-CAM: a clipped input is a valid input.
    let net = tiny_net();
    let x = input(&[0.4, 0.4, -0.4, 0.1], 40);
    assert!(net.predict_proba(&x).is_ok());
    assert!(grad_cam(&net, &x).is_ok());
}

#[test]
fn sampling_rate_zero_negative_absurd() {
    // Hz::new: finite and > 0, nothing else.
    for f in [
        0.0,
        -0.0,
        -250.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        assert_err!(Hz::new(f), SigError::InvalidFrequency(_));
    }
    // Readers: a header rate of 0, negative or absurd text is Malformed.
    let s = Scratch::new("rate");
    s.write("r.dat", &[0u8; 8]);
    for fs in ["0", "-360", "nan", "inf", "1e999"] {
        let h = s.write("r.hea", format!("r 1 {fs} 4\nr.dat 16\n").as_bytes());
        assert_err!(wfdb::read_record(&h), DataError::Malformed { .. });
    }
    let mut w = read_fixture("wav_int16_2ch.wav");
    w[24..28].copy_from_slice(&0u32.to_le_bytes()); // sample rate
    assert_err!(
        wav::parse_wav(&w, Path::new("w.wav")),
        DataError::Malformed { .. }
    );
    let mut e = read_fixture("edf_plain.edf");
    e[244..252].copy_from_slice(b"0       "); // record duration
    assert_err!(
        edf::read_edf(s.write("d.edf", &e)),
        DataError::Malformed { .. }
    );
    // An absurd but valid Hz (1 GHz, 1 mHz): detectors and the delineator refuse rates outside
    // 50–20 000 Hz; filters refuse cut-offs at or above Nyquist; resampling refuses absurd
    // ratios.
    for f in [1e9, 1e-3, 20.0] {
        let fs = hz(f);
        let ecg = Ecg::new(vec![0.0; 2000], fs).unwrap();
        for (name, d) in detectors() {
            assert_err!(
                d.detect(&ecg),
                SigError::InvalidParameter { name: "fs", .. }
            );
            let _ = name;
        }
        let peaks = RPeaks::new(vec![100, 900, 1700], fs, 2000).unwrap();
        assert_err!(
            delineate(&[ecg.samples()], fs, &peaks),
            FeatError::InvalidParameter { name: "fs", .. }
        );
        // Morphology turns an unsupported rate into invalid features, not an error.
        assert!(all_invalid(
            &Morphology::default().extract(&ecg, &peaks).unwrap()
        ));
    }
    let slow = Ecg::new(vec![0.0; 2000], hz(20.0)).unwrap();
    assert_err!(
        Lowpass {
            cutoff: hz(40.0),
            order: 2
        }
        .apply(&slow),
        SigError::AboveNyquist { .. }
    );
    for method in [ResampleMethod::Polyphase, ResampleMethod::Fft] {
        for to in [1e9, 1e-3] {
            assert_err!(
                Resample { to: hz(to), method }.apply(&slow),
                SigError::InvalidParameter { name: "to", .. }
            );
        }
    }
    // HRV on peaks at an absurd rate: computed from the intervals as given (no rate limit:
    // peaks may come from any source), finite.
    let peaks = RPeaks::new((0..20).map(|k| 100 + 800 * k).collect(), hz(1e9), 20_000).unwrap();
    let v = HrvTime::all().extract_peaks(&peaks).unwrap();
    assert!(v.iter().all(|(_, f)| f.value().is_none_or(f64::is_finite)));
    // Model configuration: the rate must be finite and > 0.
    let bad = ExgNetConfig {
        sample_rate_hz: 0.0,
        ..ExgNetConfig::tiny()
    };
    assert_err!(bad.validate(), ModelError::Config(_));
}

#[test]
fn record_shorter_than_model_window() {
    let net = tiny_net(); // window: 40 samples
    // predict_proba: exactly the model's window, nothing shorter or longer.
    for n in [1, 39, 41] {
        assert_err!(
            net.predict_proba(&input(&[0.1, -0.1], n)),
            ModelError::Input(_)
        );
    }
    // Grad-CAM: the same contract as predict (the model's window).
    for n in [1, 39, 41] {
        assert_err!(grad_cam(&net, &input(&[0.1, -0.1], n)), XaiError::Input(_));
    }
    // Detectors need 1 s; HRV features shorter than their minimum duration are invalid.
    let short = Ecg::new(vec![0.0; 200], hz(250.0)).unwrap();
    for (name, d) in detectors() {
        assert_err!(d.detect(&short), SigError::TooShort { .. });
        let _ = name;
    }
    let (ecg, peaks) = sinus(10.0);
    let v = HrvFrequency::welch().extract(&ecg, &peaks).unwrap();
    assert!(v.value("VLF").is_none(), "VLF needs minutes of data");
}

#[test]
fn huge_declared_lengths() {
    // The full set (every reader and WFDB format, under a counting allocator) is
    // crates/exg-data/tests/formats_declared_sizes.rs; one case per entry point here.
    let s = Scratch::new("huge");
    s.write("h.dat", &[0u8; 16]);
    let h = s.write("h.hea", b"h 1 250 1000000000000\nh.dat 16\n");
    assert_err!(wfdb::read_record(&h), DataError::Truncated { .. });
    let mut m = Vec::new();
    for v in [0u32, 65_535, 65_535, 0, 4] {
        m.extend(v.to_le_bytes());
    }
    m.extend(b"val\0");
    assert_err!(
        mat4::parse_mat4(&m, Path::new("h.mat")),
        DataError::Truncated { .. }
    );
    // A safetensors header claiming 2^60 bytes of header.
    let mut b = (1u64 << 60).to_le_bytes().to_vec();
    b.extend(b"{}");
    assert_err!(
        ExgNet::load_described(&s.write("h.safetensors", &b), &Device::Cpu),
        ModelError::Format { .. }
    );
    // A described file whose configuration declares a huge network: refused by the
    // parameter count before anything is built.
    let net = tiny_net();
    let model = s.0.join("m.safetensors");
    net.save_described(&model, &tiny_meta()).unwrap();
    let mut huge = ExgNetConfig::paper();
    huge.input_len = 1 << 40;
    huge.blocks[0].width = 1 << 20;
    let swapped = swap_config(&std::fs::read(&model).unwrap(), &huge);
    assert_err!(
        ExgNet::load_described(&s.write("x.safetensors", &swapped), &Device::Cpu),
        ModelError::ConfigMismatch { .. } | ModelError::Metadata { .. }
    );
}
