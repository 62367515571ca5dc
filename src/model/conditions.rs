//! Per-query conditions for a conditional model: the properties the user gave, the rest imputed
//! from the training split. Nothing given: each query takes the properties of a training molecule
//! drawn at random. Otherwise one of three rules fills the unspecified properties:
//!
//! - `knn` (the paper's): the mean of the k = 5 training molecules nearest on the given
//!   properties (z-scored distance; ties broken at random from the seed), one condition for
//!   all queries. An average of five molecules is often no molecule's property vector, and with
//!   integer-valued targets thousands of molecules tie, so five random ones decide. (Breaking
//!   ties by training order would pick QM9's first, smallest molecules — methane, ammonia, … — for
//!   every `lower_` target of 0.)
//! - `draw`: for each query, the properties of a training molecule drawn uniformly from the k
//!   nearest (default 100, every molecule tied with the k-th included) — a sample of the
//!   training distribution of the other properties given the targets.
//! - `mean`: the training mean.
//! - `none`: nothing; the unspecified properties stay unset (NaN), and with nothing given every
//!   query is unconditioned. Only a model trained with `partial_conditions` reads that.

use super::checkpoint::PropertyNorm;
use super::config::ModelConfig;
use super::transformer::NUM_PROPERTIES;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Neighbours averaged by `knn` imputation (the paper's k).
pub const KNN_K: usize = 5;

/// Neighbours drawn from by `draw` imputation unless told otherwise.
pub const DRAW_K: usize = 100;

/// How unspecified properties are filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impute {
    /// Mean of the k training molecules nearest on the given properties; one condition.
    Knn(usize),
    /// Per query, a training molecule drawn from the k nearest (ties with the k-th included).
    Draw(usize),
    /// Training-set mean.
    Mean,
    /// Left unset (NaN), for a model trained with `partial_conditions`.
    Unset,
}

impl Impute {
    /// The rule named `knn`, `draw`, `mean` or `none`, with `k` neighbours (default [`KNN_K`]
    /// for knn, [`DRAW_K`] for draw).
    pub fn parse(name: &str, k: Option<usize>) -> Result<Impute, String> {
        if k == Some(0) {
            return Err("the number of neighbours must be at least 1".into());
        }
        match name {
            "knn" => Ok(Impute::Knn(k.unwrap_or(KNN_K))),
            "draw" => Ok(Impute::Draw(k.unwrap_or(DRAW_K))),
            "mean" if k.is_none() => Ok(Impute::Mean),
            "none" if k.is_none() => Ok(Impute::Unset),
            "mean" | "none" => Err(format!("--impute {name} takes no number of neighbours")),
            other => Err(format!(
                "unknown imputation `{other}`; expected knn, draw, mean or none"
            )),
        }
    }

    /// Refuses `none` for a conditional model that reads all nine properties (a sequence
    /// model reads none, so imputation does not concern it).
    pub fn check_model(self, model: &ModelConfig) -> Result<(), String> {
        if self == Impute::Unset && model.conditional && !model.partial_conditions {
            return Err(
                "--impute none needs a model trained with `[model] partial_conditions = \
                 true`; this checkpoint's model reads all nine properties (use draw, knn or mean)"
                    .into(),
            );
        }
        Ok(())
    }

    /// A short description for reports (`knn (k = 5)`, …).
    pub fn describe(self) -> String {
        match self {
            Impute::Knn(k) => format!("knn (mean of the {k} nearest)"),
            Impute::Draw(k) => format!("draw (one of the {k} nearest per query)"),
            Impute::Mean => "mean".into(),
            Impute::Unset => "none (unspecified properties left unset)".into(),
        }
    }
}

/// Raw property values for each of `n` queries: `given` where set, the rest imputed by
/// `method` from the `training` rows (raw values), with `norm` for distances. Random choices
/// come one per query, in order, from one ChaCha8 generator seeded by `seed`, so the first m
/// queries are the same for every n ≥ m.
pub fn query_conditions(
    given: &[Option<f64>; NUM_PROPERTIES],
    training: &[[f64; NUM_PROPERTIES]],
    norm: &PropertyNorm,
    method: Impute,
    n: usize,
    seed: u64,
) -> Vec<[f64; NUM_PROPERTIES]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7072_6f70);
    let with_given = |row: &[f64; NUM_PROPERTIES]| -> [f64; NUM_PROPERTIES] {
        std::array::from_fn(|k| given[k].unwrap_or(row[k]))
    };
    match method {
        Impute::Unset => vec![given.map(|v| v.unwrap_or(f64::NAN)); n],
        _ if given.iter().all(Option::is_none) || training.is_empty() => (0..n)
            .map(|_| match training.len() {
                0 => with_given(&norm.mean),
                len => training[rng.random_range(0..len)],
            })
            .collect(),
        Impute::Mean => vec![with_given(&norm.mean); n],
        Impute::Knn(k) => {
            let nearest = nearest(given, training, norm, k, Some(&mut rng));
            let mut mean = [0.0; NUM_PROPERTIES];
            for &i in &nearest {
                for (m, v) in mean.iter_mut().zip(training[i]) {
                    *m += v / nearest.len() as f64;
                }
            }
            vec![with_given(&mean); n]
        }
        Impute::Draw(k) => {
            let nearest = nearest(given, training, norm, k, None);
            (0..n)
                .map(|_| with_given(&training[nearest[rng.random_range(0..nearest.len())]]))
                .collect()
        }
    }
}

/// Indices of the `k` training rows nearest to `given` (z-scored Euclidean distance on the
/// given properties): with `tie_break`, exactly k, ties broken at random; without, every row as
/// near as the k-th as well.
fn nearest(
    given: &[Option<f64>; NUM_PROPERTIES],
    training: &[[f64; NUM_PROPERTIES]],
    norm: &PropertyNorm,
    k: usize,
    mut tie_break: Option<&mut ChaCha8Rng>,
) -> Vec<usize> {
    let distance = |row: &[f64; NUM_PROPERTIES]| -> f64 {
        (0..NUM_PROPERTIES)
            .filter_map(|p| given[p].map(|v| ((row[p] - v) / norm.std[p]).powi(2)))
            .sum()
    };
    let mut order: Vec<usize> = (0..training.len()).collect();
    if let Some(rng) = tie_break.as_deref_mut() {
        order.shuffle(rng);
    }
    let mut scored: Vec<(f64, usize)> = order
        .into_iter()
        .map(|i| (distance(&training[i]), i))
        .collect();
    // Stable: equal distances keep the (shuffled or training) order.
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let k = k.clamp(1, scored.len());
    let end = if tie_break.is_some() {
        k
    } else {
        let kth = scored[k - 1].0;
        k + scored[k..]
            .iter()
            .take_while(|(d, _)| *d <= kth + 1e-12)
            .count()
    };
    scored[..end].iter().map(|&(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> PropertyNorm {
        PropertyNorm {
            mean: [2.0; NUM_PROPERTIES],
            std: [1.0; NUM_PROPERTIES],
        }
    }

    /// Rows whose first property is i and the others 10 × i.
    fn training() -> Vec<[f64; NUM_PROPERTIES]> {
        (0..10)
            .map(|i| std::array::from_fn(|k| if k == 0 { i as f64 } else { 10.0 * i as f64 }))
            .collect()
    }

    fn given_first(v: f64) -> [Option<f64>; NUM_PROPERTIES] {
        let mut given = [None; NUM_PROPERTIES];
        given[0] = Some(v);
        given
    }

    #[test]
    fn knn_averages_the_k_nearest_and_keeps_the_target() {
        // Nearest to 4.2: rows 4, 5, 3 → others (40 + 50 + 30) / 3.
        let c = query_conditions(
            &given_first(4.2),
            &training(),
            &norm(),
            Impute::Knn(3),
            2,
            0,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[0][0], 4.2);
        assert!((c[0][1] - 40.0).abs() < 1e-12);
    }

    #[test]
    fn knn_breaks_ties_at_random_not_by_training_order() {
        // 100 rows tie on the given property; the others are their index.
        let rows: Vec<[f64; NUM_PROPERTIES]> = (0..100)
            .map(|i| std::array::from_fn(|k| if k == 0 { 1.0 } else { i as f64 }))
            .collect();
        let means: Vec<f64> = (0..4)
            .map(|seed| {
                query_conditions(&given_first(1.0), &rows, &norm(), Impute::Knn(5), 1, seed)[0][1]
            })
            .collect();
        // Training order would give (0 + 1 + 2 + 3 + 4) / 5 = 2 for every seed.
        assert!(means.iter().all(|&m| m != 2.0), "{means:?}");
        assert!(means.iter().any(|&m| m != means[0]), "{means:?}");
    }

    #[test]
    fn draw_picks_real_rows_among_the_nearest_including_ties() {
        let mut rows = training();
        rows.push(rows[5]); // a tie with row 5
        let c = query_conditions(&given_first(5.0), &rows, &norm(), Impute::Draw(2), 400, 7);
        let seen: std::collections::BTreeSet<i64> = c.iter().map(|q| q[1] as i64).collect();
        // Distances: row 5 and its copy 0, rows 4 and 6 at 1 (tied with the 2nd nearest? no:
        // the 2nd nearest is the copy at 0, so only the two zeros qualify).
        assert_eq!(seen, [50].into());
        let c = query_conditions(&given_first(5.0), &rows, &norm(), Impute::Draw(3), 400, 7);
        let seen: std::collections::BTreeSet<i64> = c.iter().map(|q| q[1] as i64).collect();
        // The 3rd nearest is at distance 1, tied by rows 4 and 6: both drawn.
        assert_eq!(seen, [40, 50, 60].into());
        assert!(c.iter().all(|q| q[0] == 5.0));
        // Query r's draw does not depend on how many queries there are.
        let fewer = query_conditions(&given_first(5.0), &rows, &norm(), Impute::Draw(3), 10, 7);
        assert_eq!(&c[..10], &fewer[..]);
    }

    #[test]
    fn nothing_given_draws_training_rows_and_mean_fills_with_the_mean() {
        let none = [None; NUM_PROPERTIES];
        let c = query_conditions(&none, &training(), &norm(), Impute::Knn(5), 50, 1);
        assert!(c.iter().all(|q| training().contains(q)));
        assert!(c.iter().any(|q| q != &c[0]));
        let c = query_conditions(&given_first(1.5), &training(), &norm(), Impute::Mean, 1, 1);
        assert_eq!(c[0][0], 1.5);
        assert_eq!(c[0][3], 2.0);
    }

    #[test]
    fn parses_names_and_neighbour_counts() {
        assert_eq!(Impute::parse("knn", None), Ok(Impute::Knn(KNN_K)));
        assert_eq!(Impute::parse("draw", Some(7)), Ok(Impute::Draw(7)));
        assert_eq!(Impute::parse("mean", None), Ok(Impute::Mean));
        assert!(Impute::parse("mean", Some(3)).is_err());
        assert!(Impute::parse("knn", Some(0)).is_err());
        assert!(Impute::parse("nearest", None).is_err());
        assert_eq!(Impute::parse("none", None), Ok(Impute::Unset));
        assert!(Impute::parse("none", Some(3)).is_err());
    }

    #[test]
    fn none_leaves_the_unspecified_properties_unset() {
        let rows = training();
        let c = query_conditions(&given_first(5.0), &rows, &norm(), Impute::Unset, 3, 7);
        assert_eq!(c.len(), 3);
        for row in &c {
            assert_eq!(row[0], 5.0);
            assert!(row[1..].iter().all(|v| v.is_nan()), "{row:?}");
        }
        let nothing = query_conditions(&[None; 9], &rows, &norm(), Impute::Unset, 2, 7);
        assert!(nothing.iter().flatten().all(|v| v.is_nan()));
    }
}
