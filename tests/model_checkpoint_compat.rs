//! A checkpoint written before multi-head attention (config.json without `heads`) loads as one
//! head and samples exactly what the code before the change sampled.

use qattnc::model::sample::{SampleOptions, generate, load_checkpoint};
use std::path::Path;

#[test]
fn a_shipped_checkpoint_without_heads_samples_as_before() {
    let loaded = load_checkpoint(Path::new("models/paper-quantum-sequence")).unwrap();
    assert_eq!(loaded.meta.config.model.heads, 1);
    let options = SampleOptions {
        n: 4,
        seed: 11,
        temperature: 1.0,
        top_k: None,
        batch: 4,
        constrain: false,
        rejection: None,
    };
    let sampled = generate(&loaded, None, &options).unwrap();
    // Token ids printed by this test at the commit that added it (before heads existed; the
    // paper's Ry template runs on the same real kernel as in the main branch of that time).
    let expected: Vec<Vec<u32>> = vec![
        vec![13, 3, 13, 13, 4, 16, 5, 13, 16],
        vec![13, 13, 7, 13, 13, 7, 13, 13, 13, 13, 16],
        vec![
            16, 12, 13, 13, 7, 8, 13, 13, 13, 7, 9, 16, 13, 9, 7, 15, 7, 8,
        ],
        vec![13, 13, 7, 4, 13, 5, 31, 8, 30, 30, 30, 4, 13, 5, 30, 8, 7],
    ];
    assert_eq!(sampled, expected);
}
