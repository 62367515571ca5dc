//! The paper's sampling protocol (its `*_conditions_mean_std` runs): one run without conditions,
//! then for each of the nine properties an `upper_` and a `lower_` run whose target is the
//! training mean ± 2σ (clipped at 0, except LogP, which can be negative); the other eight
//! properties are imputed. Also reads the paper's released `OVERALL_SAMPLING_RESULTS.csv` so a
//! run can be set next to the paper's.

use super::checkpoint::PropertyNorm;
use crate::chem::Property;

/// Standard deviations between the training mean and an upper or lower target.
pub const TARGET_SIGMAS: f64 = 2.0;

/// One sampling run of the protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolRun {
    /// The paper's file stem: `no_conditions`, `upper_MW`, `lower_MW`, ….
    pub name: String,
    /// The conditioned property and its target; `None` for the unconditioned run.
    pub condition: Option<(Property, f64)>,
}

/// The runs for a model: only `no_conditions` when it is not conditional, else all 19 in the
/// paper's order. Targets come from the checkpoint's training statistics.
pub fn protocol_runs(norm: &PropertyNorm, conditional: bool) -> Vec<ProtocolRun> {
    let mut runs = vec![ProtocolRun {
        name: "no_conditions".into(),
        condition: None,
    }];
    if !conditional {
        return runs;
    }
    for property in Property::ALL {
        let k = property.index();
        let upper = norm.mean[k] + TARGET_SIGMAS * norm.std[k];
        let mut lower = norm.mean[k] - TARGET_SIGMAS * norm.std[k];
        if property != Property::LogP {
            lower = lower.max(0.0);
        }
        for (side, target) in [("upper", upper), ("lower", lower)] {
            runs.push(ProtocolRun {
                name: format!("{side}_{}", property.name()),
                condition: Some((property, target)),
            });
        }
    }
    runs
}

/// One row of the paper's released results.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperRun {
    /// The run's file stem (`no_conditions`, `upper_MW`, …).
    pub name: String,
    /// Fractions in [0, 1] (the file has percentages).
    pub validity: f64,
    /// Distinct valid / valid.
    pub uniqueness: f64,
    /// Distinct valid not in training / distinct valid.
    pub novelty: f64,
    /// Mean of the conditioned property over valid molecules.
    pub sampled_average: Option<f64>,
    /// The requested value.
    pub target: Option<f64>,
}

/// Parses an `OVERALL_SAMPLING_RESULTS.csv` of the paper's repository (columns
/// `save_filenames,validity,uniqueness,novelty,sampled_averages,targets,…`).
pub fn read_paper_runs(text: &str) -> Result<Vec<PaperRun>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no `{name}` column"))
    };
    let (file, validity, uniqueness, novelty, average, target) = (
        column("save_filenames")?,
        column("validity")?,
        column("uniqueness")?,
        column("novelty")?,
        column("sampled_averages")?,
        column("targets")?,
    );
    let mut runs = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let number = |i: usize| -> Result<Option<f64>, String> {
            match field(i) {
                "" => Ok(None),
                text => text.parse().map(Some).map_err(|_| {
                    format!(
                        "row {}: `{text}` in column `{}` is not a number",
                        line + 2,
                        &headers[i]
                    )
                }),
            }
        };
        let percent = |i: usize| -> Result<f64, String> {
            number(i)?
                .map(|v| v / 100.0)
                .ok_or_else(|| format!("row {}: no `{}`", line + 2, &headers[i]))
        };
        let stem = field(file).rsplit('/').next().unwrap_or("");
        let name = stem.strip_suffix(".csv").unwrap_or(stem).to_string();
        if name.is_empty() {
            return Err(format!("row {}: no file name", line + 2));
        }
        runs.push(PaperRun {
            name,
            validity: percent(validity)?,
            uniqueness: percent(uniqueness)?,
            novelty: percent(novelty)?,
            sampled_average: number(average)?,
            target: number(target)?,
        });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> PropertyNorm {
        PropertyNorm {
            mean: [122.77, 2.23, 0.83, 0.92, 1.74, 2.47, 37.16, 0.30, 1.72],
            std: [7.56, 1.05, 0.84, 1.09, 1.21, 1.18, 21.23, 1.00, 1.54],
        }
    }

    #[test]
    fn nineteen_runs_with_clipped_lower_targets() {
        let runs = protocol_runs(&norm(), true);
        assert_eq!(runs.len(), 19);
        assert_eq!(runs[0].condition, None);
        assert_eq!(runs[1].name, "upper_MW");
        let (p, t) = runs[1].condition.unwrap();
        assert_eq!(p, Property::MW);
        assert!((t - (122.77 + 2.0 * 7.56)).abs() < 1e-12);
        let lower_hbd = runs.iter().find(|r| r.name == "lower_HBD").unwrap();
        assert_eq!(lower_hbd.condition.unwrap().1, 0.0);
        let lower_logp = runs.iter().find(|r| r.name == "lower_LogP").unwrap();
        assert!((lower_logp.condition.unwrap().1 - (0.30 - 2.0)).abs() < 1e-12);
        assert_eq!(protocol_runs(&norm(), false).len(), 1);
    }

    #[test]
    fn reads_the_papers_file_layout() {
        let text = "save_filenames,validity,uniqueness,novelty,sampled_averages,targets,,property_names,no_conditions_mean\n\
            ./results/q/no_conditions.csv,50.5,38.8,69.6,,,,MW,125.1\n\
            ./results/q/upper_MW.csv,15.556,65.0,97.2,135.73,137.88,,HBA,2.31\n";
        let runs = read_paper_runs(text).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].name, "no_conditions");
        assert!((runs[0].validity - 0.505).abs() < 1e-12);
        assert_eq!(runs[0].target, None);
        assert_eq!(runs[1].name, "upper_MW");
        assert_eq!(runs[1].target, Some(137.88));
        assert!(read_paper_runs("validity\n1\n").is_err());
        assert!(read_paper_runs("save_filenames,validity,uniqueness,novelty,sampled_averages,targets\nx.csv,abc,1,1,,\n").is_err());
    }
}
