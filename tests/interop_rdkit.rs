//! Properties of 2,000 random QM9 molecules against Python RDKit of the same release as ours,
//! run in the RDKit venv that `make interop` creates (`$QATTNC_RDKIT_VENV`, default
//! `~/.cache/qattnc/rdkit-venv`, with `rdkit==2022.9.5`: Debian ships 2022.09.3, which pip does
//! not have). Skips, saying so, without the venv, without rdkit in it, or without the shared
//! QM9 file.
//!
//! Eight properties must agree on every molecule within 1e-3. StereoCenters may differ on at
//! most 0.5 % of molecules: on 3 of these 2,000, bridgehead nitrogens of strained cages
//! (`C1C2CC11COCCN21`), RDKit 2022.09.3's descriptor counts a nitrogen centre that 2022.09.5's
//! `FindMolChiralCenters` does not. Against current RDKit (2026.09) HBA, NumRings and stereo
//! perception differ more; tests/chem_properties.rs lists those molecules.

mod common;

use qattnc::chem::dataset::read_smiles;
use qattnc::chem::split::fnv1a64;
use qattnc::chem::{DEFAULT_MAX_SMILES_LEN, Molecule, Property, PropertyCalculator};
use std::path::PathBuf;
use std::process::Command;

const SAMPLE: usize = 2_000;

const SCRIPT: &str = r#"
import sys
from rdkit import Chem, rdBase
from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors
print(rdBase.rdkitVersion, file=sys.stderr)
for line in open(sys.argv[1]):
    m = Chem.MolFromSmiles(line.strip())
    v = [Descriptors.MolWt(m), rdMolDescriptors.CalcNumHBA(m), rdMolDescriptors.CalcNumHBD(m),
         Descriptors.NumRotatableBonds(m), rdMolDescriptors.CalcNumRings(m),
         rdMolDescriptors.CalcNumHeteroatoms(m), Descriptors.TPSA(m), Crippen.MolLogP(m),
         len(Chem.FindMolChiralCenters(m, includeUnassigned=True))]
    print(",".join(repr(float(x)) for x in v))
"#;

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("QATTNC_RDKIT_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/qattnc/rdkit-venv"))
        })?;
    let python = venv.join("bin/python");
    python.is_file().then_some(python)
}

#[test]
fn properties_match_python_rdkit_on_2000_qm9_molecules() {
    let Some(python) = venv_python() else {
        eprintln!("skipping interop_rdkit: no RDKit venv (set QATTNC_RDKIT_VENV; `make interop`)");
        return;
    };
    let has_rdkit = Command::new(&python)
        .args(["-c", "import rdkit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_rdkit {
        eprintln!(
            "skipping interop_rdkit: {} cannot import rdkit",
            python.display()
        );
        return;
    }
    let Some(shared) = common::shared_data("interop_rdkit") else {
        return;
    };
    // A fixed pseudo-random sample: the 2,000 smallest FNV-1a hashes of the SMILES.
    let mut all = read_smiles(&shared.join("qm9/qm9.csv")).unwrap();
    all.sort_by_key(|s| fnv1a64(s.as_bytes()));
    all.truncate(SAMPLE);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sample.smi");
    std::fs::write(&input, all.join("\n") + "\n").unwrap();
    let output = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "Python RDKit {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let expected: Vec<Vec<f64>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(expected.len(), SAMPLE);
    let calculator = PropertyCalculator::new();
    let mut disagreements = [0usize; 9];
    for (smiles, python) in all.iter().zip(&expected) {
        let values = calculator.compute(&Molecule::parse(smiles, DEFAULT_MAX_SMILES_LEN).unwrap());
        for property in Property::ALL {
            if (values[property] - python[property.index()]).abs() > 1e-3 {
                disagreements[property.index()] += 1;
            }
        }
    }
    for property in Property::ALL {
        eprintln!(
            "{property}: {} of {SAMPLE} disagree",
            disagreements[property.index()]
        );
        let allowed = if property == Property::StereoCenters {
            SAMPLE / 200
        } else {
            0
        };
        assert!(disagreements[property.index()] <= allowed, "{property}");
    }
}
