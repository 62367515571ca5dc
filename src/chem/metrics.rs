//! Generation metrics with the paper's definitions (design.md §6):
//! validity = valid / queries; uniqueness = distinct canonical valid / valid; novelty =
//! distinct valid not in the training set / distinct valid; unique@10k (MOSES: distinct among
//! the first 10,000 valid / their number); and per conditioned property the target and the
//! mean, standard deviation (population, ddof = 0) and mean absolute error over all valid
//! molecules (duplicates included), with MolGPT's conditioned-generation numbers: the standard
//! deviation of the absolute deviation |value − target| and, for counts, the exact-match rate
//! (valid molecules whose value equals the target rounded to the nearest integer). A ratio whose
//! denominator is zero is reported as 0.

use super::property::{Property, PropertyValues};
use serde::Serialize;
use std::collections::HashSet;

/// The MOSES sample size for unique@k.
pub const UNIQUE_AT_K: usize = 10_000;

/// One generated string after checking: its canonical SMILES and properties when valid.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// Canonical SMILES and properties, or `None` for an invalid string.
    pub valid: Option<(String, PropertyValues)>,
}

/// Statistics of one conditioned property over the valid molecules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyStats {
    /// The property.
    pub property: Property,
    /// The requested value.
    pub target: f64,
    /// Mean over valid molecules (0 when there are none, as for the three fields below).
    pub mean: f64,
    /// Population standard deviation over valid molecules.
    pub std: f64,
    /// Mean absolute error from the target (MolGPT's MAD).
    pub mae: f64,
    /// Population standard deviation of the absolute error |value − target|.
    pub mae_std: f64,
    /// For counts: the fraction of valid molecules whose value is the target rounded to the
    /// nearest integer; `None` for MW, TPSA and LogP.
    pub exact_match: Option<f64>,
}

/// Everything `qattnc eval` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenerationMetrics {
    /// Generated strings (queries), invalid and empty ones included.
    pub queries: usize,
    /// Valid molecules.
    pub valid: usize,
    /// Distinct canonical SMILES among the valid molecules.
    pub unique: usize,
    /// Distinct valid molecules absent from the training set.
    pub novel: usize,
    /// valid / queries.
    pub validity: f64,
    /// unique / valid.
    pub uniqueness: f64,
    /// novel / unique.
    pub novelty: f64,
    /// Distinct among the first min(10,000, valid) valid molecules / that number.
    pub unique_at_10k: f64,
    /// How many valid molecules unique@10k was computed on (fewer than 10,000 means the sample
    /// was too small for the MOSES convention).
    pub unique_at_10k_sample: usize,
    /// One entry per conditioned property, in the order given.
    pub properties: Vec<PropertyStats>,
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// The mean of `values`, 0 (not −0, as an empty float sum is) when there are none, so that a run
/// without valid molecules reports 0 rather than `-0.0`.
fn average(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len().max(1) as f64;
    values.fold(0.0, |sum, v| sum + v) / n
}

/// Computes the metrics of checked generations against the canonical SMILES of the training
/// set, with statistics for each `(property, target)`.
pub fn generation_metrics(
    generated: &[Checked],
    training: &HashSet<String>,
    targets: &[(Property, f64)],
) -> GenerationMetrics {
    let valid: Vec<&(String, PropertyValues)> =
        generated.iter().filter_map(|c| c.valid.as_ref()).collect();
    let distinct: HashSet<&str> = valid.iter().map(|(s, _)| s.as_str()).collect();
    let novel = distinct.iter().filter(|s| !training.contains(**s)).count();
    let sample = valid.len().min(UNIQUE_AT_K);
    let distinct_in_sample = valid[..sample]
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<HashSet<_>>()
        .len();
    let properties = targets
        .iter()
        .map(|&(property, target)| {
            let values: Vec<f64> = valid.iter().map(|(_, p)| p[property]).collect();
            let mean = average(values.iter().copied());
            let variance = average(values.iter().map(|v| (v - mean).powi(2)));
            let mae = average(values.iter().map(|v| (v - target).abs()));
            let mae_variance = average(values.iter().map(|v| ((v - target).abs() - mae).powi(2)));
            let exact_match = property.is_count().then(|| {
                let hits = values.iter().filter(|&&v| v == target.round()).count();
                ratio(hits, values.len())
            });
            PropertyStats {
                property,
                target,
                mean,
                std: variance.sqrt(),
                mae,
                mae_std: mae_variance.sqrt(),
                exact_match,
            }
        })
        .collect();
    GenerationMetrics {
        queries: generated.len(),
        valid: valid.len(),
        unique: distinct.len(),
        novel,
        validity: ratio(valid.len(), generated.len()),
        uniqueness: ratio(distinct.len(), valid.len()),
        novelty: ratio(novel, distinct.len()),
        unique_at_10k: ratio(distinct_in_sample, sample),
        unique_at_10k_sample: sample,
        properties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(smiles: &str, mw: f64) -> Checked {
        let mut values = PropertyValues::default();
        values[Property::MW] = mw;
        Checked {
            valid: Some((smiles.to_string(), values)),
        }
    }

    const INVALID: Checked = Checked { valid: None };

    #[test]
    fn hand_computed_example() {
        // 6 queries: 4 valid (CCO twice), 3 distinct, 1 of them (CCO) in training.
        let generated = [
            valid("CCO", 46.0),
            INVALID,
            valid("CCO", 46.0),
            valid("CC", 30.0),
            INVALID,
            valid("CCN", 46.0),
        ];
        let training: HashSet<String> = ["CCO".to_string(), "C".to_string()].into();
        let metrics = generation_metrics(&generated, &training, &[(Property::MW, 40.0)]);
        assert_eq!(
            (
                metrics.queries,
                metrics.valid,
                metrics.unique,
                metrics.novel
            ),
            (6, 4, 3, 2)
        );
        assert_eq!(metrics.validity, 4.0 / 6.0);
        assert_eq!(metrics.uniqueness, 3.0 / 4.0);
        assert_eq!(metrics.novelty, 2.0 / 3.0);
        assert_eq!(
            (metrics.unique_at_10k, metrics.unique_at_10k_sample),
            (0.75, 4)
        );
        let mw = &metrics.properties[0];
        assert_eq!(mw.mean, 42.0);
        assert_eq!(mw.std, 48.0f64.sqrt()); // deviations 4, 4, -12, 4
        assert_eq!(mw.mae, 7.0); // (6 + 6 + 10 + 6) / 4
        assert_eq!(mw.mae_std, 3.0f64.sqrt()); // deviations from 7: -1, -1, 3, -1
        assert_eq!(mw.exact_match, None);
    }

    #[test]
    fn counts_report_the_exact_match_rate_against_the_rounded_target() {
        let with_rings = |smiles: &str, rings: f64| {
            let mut values = PropertyValues::default();
            values[Property::NRing] = rings;
            Checked {
                valid: Some((smiles.to_string(), values)),
            }
        };
        let generated = [
            with_rings("C1CC1", 1.0),
            with_rings("C1CC12CC2", 2.0),
            INVALID,
            with_rings("CC", 0.0),
            with_rings("C1CCC1", 1.0),
        ];
        let metrics = generation_metrics(&generated, &HashSet::new(), &[(Property::NRing, 1.3)]);
        let rings = &metrics.properties[0];
        // 1.3 rounds to 1: two of the four valid molecules.
        assert_eq!(rings.exact_match, Some(0.5));
        // |deviations| 0.3, 0.7, 1.3, 0.3: mean 0.65; squared distances from it 0.1225, 0.0025,
        // 0.4225, 0.1225: population std √0.1675.
        assert!((rings.mae - 0.65).abs() < 1e-12);
        assert!((rings.mae_std - 0.1675f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn empty_input_gives_zero_ratios() {
        let metrics = generation_metrics(&[INVALID], &HashSet::new(), &[(Property::LogP, 1.0)]);
        assert_eq!(
            (metrics.validity, metrics.uniqueness, metrics.novelty),
            (0.0, 0.0, 0.0)
        );
        let stats = &metrics.properties[0];
        assert_eq!(stats.exact_match, None);
        for value in [stats.mean, stats.std, stats.mae, stats.mae_std] {
            assert_eq!(value, 0.0);
            assert!(value.is_sign_positive(), "{value} prints as -0");
        }
    }

    #[test]
    fn unique_at_10k_uses_the_first_ten_thousand_valid() {
        let mut generated: Vec<Checked> = (0..UNIQUE_AT_K)
            .map(|i| valid(&format!("C{i}"), 0.0))
            .collect();
        generated.extend((0..100).map(|_| valid("CC", 0.0)));
        let metrics = generation_metrics(&generated, &HashSet::new(), &[]);
        assert_eq!(
            (metrics.unique_at_10k, metrics.unique_at_10k_sample),
            (1.0, UNIQUE_AT_K)
        );
        assert!(metrics.uniqueness < 1.0);
    }
}
