//! Golden snapshots of every back end for both paper layers at every optimisation level.
//! Review any change with `cargo insta review` (or the `.snap.new` diff) before accepting it.

use qattnc::compile::{MAX_LEVEL, compile_layer};
use qattnc::emit::{EmitOptions, Format, emit};
use qattnc::layer::{PRESETS, preset};

#[test]
fn every_format_for_both_paper_layers_at_every_level() {
    for (name, _) in PRESETS {
        let spec = preset(name).unwrap().unwrap();
        for level in 0..=MAX_LEVEL {
            let compiled = compile_layer(&spec, level, None);
            let options = EmitOptions {
                header: vec![format!("{name} -O{level}")],
                ..EmitOptions::default()
            };
            for format in Format::ALL {
                let text = emit(&compiled.circuit, format, &options);
                insta::assert_snapshot!(format!("{name}_O{level}_{}", format.name()), text);
            }
        }
    }
}

/// One spec per family and score kind (circuits/layers/*.toml): its `--part ansatz` program at
/// -O0 and its score program at -O3, in OpenQASM 3.
#[test]
fn every_family_and_score_kind_of_the_layer_gallery() {
    use qattnc::compile::compile_part;
    use qattnc::layer::{LayerSpec, Part};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/circuits/layers");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let spec = LayerSpec::from_toml(&text, "spec").unwrap();
        for (part, level, label) in [(Part::Ansatz, 0, "ansatz_O0"), (Part::Score, 3, "score_O3")] {
            let compiled = compile_part(&spec, part, 0, level, None);
            let options = EmitOptions {
                header: vec![qattnc::layer::readout(&spec, part)],
                ..EmitOptions::default()
            };
            let text = emit(&compiled.circuit, Format::Qasm3, &options);
            insta::assert_snapshot!(format!("layers_{}_{label}", spec.name), text);
        }
    }
}
