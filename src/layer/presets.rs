//! Layer specs embedded in the binary, so that the paper's layers work without any file.

use super::spec::LayerSpec;
use crate::diagnostic::SourceError;

/// Built-in layer specs: `(name, TOML text)`, the same text as `circuits/<name>.toml`.
pub const PRESETS: [(&str, &str); 2] = [
    (
        "paper_sequence",
        include_str!("../../circuits/paper_sequence.toml"),
    ),
    (
        "paper_conditional",
        include_str!("../../circuits/paper_conditional.toml"),
    ),
];

/// The built-in spec called `name`, or `None` when there is none.
pub fn preset(name: &str) -> Option<Result<LayerSpec, SourceError>> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(preset, text)| LayerSpec::from_toml(text, &format!("<preset {preset}>")))
}
