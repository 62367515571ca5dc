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
