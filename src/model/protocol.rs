//! The paper's sampling protocol (its `*_conditions_mean_std` runs): one run without conditions,
//! then for each of the nine properties an `upper_` and a `lower_` run whose target is the
//! training mean ± 2σ (clipped at 0, except LogP, which can be negative); the other eight
//! properties are imputed. Also builds MolGPT-style multi-target grids (every combination of a
//! few targets for two or more properties at once), and reads the paper's released
//! `OVERALL_SAMPLING_RESULTS.csv` so a run can be set next to the paper's.

use super::checkpoint::PropertyNorm;
use crate::chem::Property;

/// Standard deviations between the training mean and an upper or lower target.
pub const TARGET_SIGMAS: f64 = 2.0;

/// Standard deviations between the training mean and a grid's default lower and upper targets
/// (closer than the single-property runs' 2σ: two properties 2σ out at once are rare in QM9).
pub const GRID_SIGMAS: f64 = 1.0;

/// The most runs one grid may ask for (each run is `n` queries).
pub const MAX_GRID_RUNS: usize = 64;

/// One sampling run of the protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolRun {
    /// The paper's file stem: `no_conditions`, `upper_MW`, `lower_MW`, …; grid runs join their
    /// targets with `+` (`lower_LogP+TPSA=60`).
    pub name: String,
    /// The conditioned properties and their targets; empty for the unconditioned run.
    pub conditions: Vec<(Property, f64)>,
}

/// The runs for a model: only `no_conditions` when it is not conditional, else all 19 in the
/// paper's order. Targets come from the checkpoint's training statistics.
pub fn protocol_runs(norm: &PropertyNorm, conditional: bool) -> Vec<ProtocolRun> {
    let mut runs = vec![ProtocolRun {
        name: "no_conditions".into(),
        conditions: Vec::new(),
    }];
    if !conditional {
        return runs;
    }
    for property in Property::ALL {
        let (lower, upper) = targets_around_mean(norm, property, TARGET_SIGMAS);
        for (side, target) in [("upper", upper), ("lower", lower)] {
            runs.push(ProtocolRun {
                name: format!("{side}_{}", property.name()),
                conditions: vec![(property, target)],
            });
        }
    }
    runs
}

/// The training mean ∓ `sigmas` standard deviations, the lower one clipped at 0 except for LogP.
fn targets_around_mean(norm: &PropertyNorm, property: Property, sigmas: f64) -> (f64, f64) {
    let k = property.index();
    let upper = norm.mean[k] + sigmas * norm.std[k];
    let lower = norm.mean[k] - sigmas * norm.std[k];
    match property {
        Property::LogP => (lower, upper),
        _ => (lower.max(0.0), upper),
    }
}

/// The runs of a multi-target grid, MolGPT's way of asking for several properties at once:
/// `spec` lists properties separated by commas, each bare (`LogP`: the training mean ∓ 1σ,
/// named `lower_LogP` and `upper_LogP`) or with its targets separated by `/` (`TPSA=40/80`,
/// named `TPSA=40` and `TPSA=80`); every combination is one run, the first property varying
/// slowest (`lower_LogP+TPSA=40`, `lower_LogP+TPSA=80`, `upper_LogP+TPSA=40`, …). The other
/// properties are imputed as in the single-property runs.
pub fn grid_runs(spec: &str, norm: &PropertyNorm) -> Result<Vec<ProtocolRun>, String> {
    let mut axes: Vec<Vec<(String, Property, f64)>> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, values) = match item.split_once('=') {
            Some((name, values)) => (name.trim(), Some(values)),
            None => (item, None),
        };
        let property: Property = name.parse()?;
        if axes.iter().any(|axis| axis[0].1 == property) {
            return Err(format!("{} is listed twice", property.name()));
        }
        let axis = match values {
            None => {
                let (lower, upper) = targets_around_mean(norm, property, GRID_SIGMAS);
                vec![
                    (format!("lower_{}", property.name()), property, lower),
                    (format!("upper_{}", property.name()), property, upper),
                ]
            }
            Some(values) => {
                let mut axis = Vec::new();
                for text in values.split('/').map(str::trim) {
                    let value: f64 = text
                        .parse()
                        .map_err(|_| format!("{}: `{text}` is not a number", property.name()))?;
                    property
                        .check_target(value)
                        .map_err(|e| format!("{}: {e}", property.name()))?;
                    axis.push((format!("{}={text}", property.name()), property, value));
                }
                axis
            }
        };
        axes.push(axis);
    }
    if axes.is_empty() {
        return Err("expected at least one property, e.g. `LogP,TPSA=40/80`".into());
    }
    let count = axes
        .iter()
        .try_fold(1usize, |n, axis| n.checked_mul(axis.len()));
    match count {
        Some(count) if count <= MAX_GRID_RUNS => {}
        _ => {
            return Err(format!(
                "the grid has more than {MAX_GRID_RUNS} runs; give fewer targets"
            ));
        }
    }
    let mut runs = vec![ProtocolRun {
        name: String::new(),
        conditions: Vec::new(),
    }];
    for axis in &axes {
        runs = runs
            .iter()
            .flat_map(|run| {
                axis.iter()
                    .map(move |(name, property, target)| ProtocolRun {
                        name: if run.name.is_empty() {
                            name.clone()
                        } else {
                            format!("{}+{name}", run.name)
                        },
                        conditions: [run.conditions.as_slice(), &[(*property, *target)]].concat(),
                    })
            })
            .collect();
    }
    Ok(runs)
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
        assert!(runs[0].conditions.is_empty());
        assert_eq!(runs[1].name, "upper_MW");
        let [(p, t)] = runs[1].conditions[..] else {
            panic!("{:?}", runs[1])
        };
        assert_eq!(p, Property::MW);
        assert!((t - (122.77 + 2.0 * 7.56)).abs() < 1e-12);
        let lower_hbd = runs.iter().find(|r| r.name == "lower_HBD").unwrap();
        assert_eq!(lower_hbd.conditions, [(Property::HBD, 0.0)]);
        let lower_logp = runs.iter().find(|r| r.name == "lower_LogP").unwrap();
        assert!((lower_logp.conditions[0].1 - (0.30 - 2.0)).abs() < 1e-12);
        assert_eq!(protocol_runs(&norm(), false).len(), 1);
    }

    #[test]
    fn grids_are_every_combination_of_the_targets() {
        let runs = grid_runs("LogP, tpsa=40/80/120", &norm()).unwrap();
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "lower_LogP+TPSA=40",
                "lower_LogP+TPSA=80",
                "lower_LogP+TPSA=120",
                "upper_LogP+TPSA=40",
                "upper_LogP+TPSA=80",
                "upper_LogP+TPSA=120",
            ]
        );
        // A bare property: the training mean ∓ 1σ (LogP is not clipped at 0).
        assert!((runs[0].conditions[0].1 - (0.30 - 1.00)).abs() < 1e-12);
        assert!((runs[5].conditions[0].1 - (0.30 + 1.00)).abs() < 1e-12);
        assert_eq!(runs[4].conditions[1], (Property::TPSA, 80.0));
        // Clipped at 0 for the others: HBD's mean − σ is 0.83 − 0.84.
        let hbd = grid_runs("HBD", &norm()).unwrap();
        assert_eq!(hbd[0].conditions, [(Property::HBD, 0.0)]);
        assert_eq!(grid_runs("MW=120,HBA=1/2,nRing", &norm()).unwrap().len(), 4);
    }

    #[test]
    fn bad_grids_say_what_is_wrong() {
        let error = |spec: &str| grid_runs(spec, &norm()).unwrap_err();
        assert!(error("LogP,Weight").contains("unknown property `Weight`"));
        assert!(error("LogP,logp=1").contains("LogP is listed twice"));
        assert!(error("TPSA=40/x").contains("TPSA: `x` is not a number"));
        assert!(error("TPSA=NaN").contains("TPSA: expected a finite number"));
        assert!(error("HBD=-1").contains("HBD: expected a value ≥ 0"));
        assert!(error(" , ").contains("at least one property"));
        let many = "MW=1/2/3/4,HBA=1/2/3/4,HBD=1/2/3/4/5";
        assert!(error(many).contains("more than 64 runs"));
        // A huge product must not overflow.
        let huge = vec!["1"; 10_000].join("/");
        let spec = format!("MW={huge},HBA={huge},HBD={huge},nRot={huge},nRing={huge}");
        assert!(error(&spec).contains("more than 64 runs"));
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
