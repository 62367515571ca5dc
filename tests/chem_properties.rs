//! RDKit properties against golden values from Python RDKit 2026.09 (`Descriptors.MolWt`,
//! `rdMolDescriptors.CalcNumHBA/HBD/Rings/Heteroatoms`, `NumRotatableBonds`, `TPSA`,
//! `Crippen.MolLogP`, `len(FindMolChiralCenters(m, includeUnassigned=True))`).
//!
//! We build against Debian's RDKit 2022.09, whose definitions of three descriptors differ from
//! 2026.09 on a few QM9 molecules: `NumHBA` (2026 no longer counts substituted aromatic
//! pyrrole-type nitrogens), `NumRings` (2026 counts more symmetrised-SSSR rings in cages) and
//! chiral centres (2026's stereo perception drops some aziridine/amide nitrogens). Those rows
//! are listed in [`KNOWN_DIVERGENCES`] with both values; every other value must agree within
//! 1e-3, and a listed row must still show exactly the listed 2022.09 value.

mod common;

use qattnc::chem::{DEFAULT_MAX_SMILES_LEN, Molecule, Property, PropertyCalculator};
use std::path::Path;

/// (SMILES, property, RDKit 2022.09 value, Python RDKit 2026.09 value) for the rows of
/// `qm9_props_500.csv` where the two RDKit versions disagree.
const KNOWN_DIVERGENCES: &[(&str, &str, f64, f64)] = &[
    ("C1C2C3C1N1C3C=CC21", "nRing", 5.0, 6.0),
    ("C1C2NC2C2=CN=NN12", "HBA", 4.0, 3.0),
    ("C1OC11C2CN3C2CC13", "nRing", 4.0, 6.0),
    ("CC1(C)CC2=CC=NN12", "HBA", 2.0, 1.0),
    ("CC12NC=NC3C1OC23", "nRing", 4.0, 5.0),
    ("CC12OCOC3C1OC23", "nRing", 4.0, 5.0),
    ("CC1=CN2N=NOC2=N1", "HBA", 5.0, 4.0),
    ("CC1C(CO)N1C=O", "StereoCenters", 3.0, 2.0),
    ("CC1N(C=O)C1(C)CO", "StereoCenters", 3.0, 2.0),
    ("CCCC1(C)CN1C=O", "StereoCenters", 2.0, 1.0),
    ("CCN1C=CN=C1C", "HBA", 2.0, 1.0),
    ("CN1C=C(O)C(CO)=N1", "HBA", 4.0, 3.0),
    ("CN1N=CC(=N1)C1CO1", "HBA", 4.0, 3.0),
    ("CN1N=CC(C)=C1C#N", "HBA", 3.0, 2.0),
    ("CN=C1OC=CN1C=O", "HBA", 4.0, 3.0),
    ("COC12CC3C1N3C2=N", "StereoCenters", 4.0, 3.0),
    ("N#CCCN1N=CN=N1", "HBA", 5.0, 4.0),
    ("N1N=CN2C=NN=C12", "HBA", 4.0, 3.0),
    ("NC(=[NH2+])N1[CH-]C(=O)C=C1", "HBA", 2.0, 1.0),
    ("NC1=C2CC=CN2N=C1", "HBA", 3.0, 2.0),
    ("NC1=NOC2=NC=CN12", "HBA", 5.0, 4.0),
    ("OC1=C2OCCN2C=N1", "HBA", 4.0, 3.0),
];

/// Compares every row of a golden CSV (`smiles` + the nine property columns) and returns the
/// number of rows checked.
fn check_golden(path: &Path) -> usize {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let calculator = PropertyCalculator::new();
    let mut rows = 0;
    let mut failures = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let smiles = &record[0];
        let molecule = Molecule::parse(smiles, DEFAULT_MAX_SMILES_LEN).unwrap();
        let values = calculator.compute(&molecule);
        for property in Property::ALL {
            let column = headers.iter().position(|h| h == property.name()).unwrap();
            let golden: f64 = record[column].parse().unwrap();
            let expected = KNOWN_DIVERGENCES
                .iter()
                .find(|(s, p, _, g)| *s == smiles && *p == property.name() && *g == golden)
                .map_or(golden, |(_, _, ours, _)| *ours);
            if (values[property] - expected).abs() > 1e-3 {
                failures.push(format!(
                    "{smiles} {property}: {} vs {expected} (golden {golden})",
                    values[property]
                ));
            }
        }
        rows += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    rows
}

#[test]
fn committed_golden_fixture_matches_python_rdkit() {
    assert_eq!(
        check_golden(&common::fixture("qm9_props_golden_50.csv")),
        50
    );
}

#[test]
fn shared_golden_file_matches_python_rdkit() {
    let Some(shared) = common::shared_data("shared_golden_file_matches_python_rdkit") else {
        return;
    };
    assert_eq!(check_golden(&shared.join("golden/qm9_props_500.csv")), 500);
}
