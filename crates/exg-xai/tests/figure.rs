//! The explanation figure: PNG and SVG output, the embedded font, atomic writes, typed errors.

use exg_signal::Hz;
use exg_signal::synthetic::{SyntheticConfig, SyntheticRhythm as Rhythm, generate};
use exg_xai::{AttentionTarget, Error, ExplainFigure, HrvTarget, Prediction};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-xai-figure-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn record() -> exg_signal::synthetic::SyntheticEcg {
    let cfg = SyntheticConfig {
        rhythm: Rhythm::AtrialFibrillation,
        seed: 2,
        ..SyntheticConfig::new(Hz::new(250.0).unwrap(), 10.0)
    };
    generate(&cfg).unwrap()
}

#[test]
fn png_and_svg_with_text_from_the_embedded_font() {
    let syn = record();
    let target = HrvTarget::default()
        .target(&syn.ecg, &syn.r_peaks, None)
        .unwrap();
    let target = target.map().unwrap();
    // A made-up saliency map: a ramp within each second.
    let map: Vec<f32> = (0..syn.ecg.len())
        .map(|i| (i % 250) as f32 / 250.0)
        .collect();
    let mut fig = ExplainFigure::new(&syn.ecg, "synthetic AF, lead II");
    fig.peaks = Some(&syn.r_peaks);
    fig.map = Some(&map);
    fig.target = Some(target.values());
    fig.prediction = Some(
        Prediction::new(
            "AFIB",
            vec![
                ("SR".into(), 0.05),
                ("AFIB".into(), 0.9),
                ("SB".into(), 0.05),
            ],
        )
        .unwrap(),
    );
    let dir = scratch("ok");
    let png_path = dir.join("fig.PNG");
    fig.render(&png_path).unwrap();
    // Decode: the requested size, and dark (text) pixels in the title band, which only the
    // embedded font can have drawn (no font is looked up on the system).
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), fig.size);
    let row = info.line_size;
    let dark_in_title = (10..35)
        .flat_map(|y| (0..600).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[y * row + 3 * x] < 100)
        .count();
    assert!(
        dark_in_title > 200,
        "only {dark_in_title} dark pixels in the title"
    );
    let svg_path = dir.join("fig.svg");
    fig.render(&svg_path).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    for text in [
        "time (s)",
        "amplitude (mV)",
        "predicted: AFIB (p = 0.90)",
        "R-peak (detected)",
        "attention target",
    ] {
        assert!(svg.contains(text), "SVG lacks `{text}`");
    }
    // Atomic write: nothing but the two figures is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fig.PNG", "fig.svg"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_are_typed_errors() {
    let syn = record();
    let dir = scratch("bad");
    let short = vec![0.5f32; 10];
    let nan = vec![f32::NAN; syn.ecg.len()];
    let cases: Vec<(ExplainFigure, &str)> = vec![
        (ExplainFigure::new(&syn.ecg, "x"), "fig.jpg"),
        (
            ExplainFigure {
                map: Some(&short),
                ..ExplainFigure::new(&syn.ecg, "x")
            },
            "fig.png",
        ),
        (
            ExplainFigure {
                target: Some(&nan),
                ..ExplainFigure::new(&syn.ecg, "x")
            },
            "fig.svg",
        ),
        (
            ExplainFigure {
                window_s: Some((5.0, 2.0)),
                ..ExplainFigure::new(&syn.ecg, "x")
            },
            "fig.png",
        ),
        (
            ExplainFigure {
                size: (10, 10),
                ..ExplainFigure::new(&syn.ecg, "x")
            },
            "fig.png",
        ),
    ];
    for (fig, name) in cases {
        assert!(
            matches!(fig.render(dir.join(name)), Err(Error::Input(_))),
            "{name}"
        );
    }
    // A missing folder is an I/O error, and leaves nothing behind.
    let missing = dir.join("no/such/folder/fig.png");
    assert!(matches!(
        ExplainFigure::new(&syn.ecg, "x").render(&missing),
        Err(Error::Io { .. })
    ));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    assert!(matches!(
        Prediction::new("A", vec![("A".into(), 1.5)]),
        Err(Error::Input(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_time_window_draws_part_of_the_record() {
    let syn = record();
    let dir = scratch("window");
    let mut fig = ExplainFigure::new(&syn.ecg, "first 4 s");
    fig.peaks = Some(&syn.r_peaks);
    fig.window_s = Some((0.0, 4.0));
    let path = dir.join("w.svg");
    fig.render(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    // Time ticks cover 0-4 s only (the whole record would run to 9.0).
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(texts.contains(&"3.5") && !texts.contains(&"4.5") && !texts.contains(&"9.0"));
    std::fs::remove_dir_all(&dir).unwrap();
}
