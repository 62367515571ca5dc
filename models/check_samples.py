"""Recount a `qattnc sample -o` CSV with Python RDKit: validity, uniqueness, and the nine properties.

Usage: python models/check_samples.py SAMPLE.csv [PROPERTY=TARGET ...]

For each valid row the nine properties are recomputed with the functions the golden data uses
(`../shared/data/golden/README.md`) and compared with qattnc's columns; for each PROPERTY=TARGET the
mean and mean absolute deviation over the valid rows are printed, as `qattnc sample --json` reports.
"""
import csv, sys
from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

RDLogger.DisableLog("rdApp.*")

PROPERTIES = {
    "MW": Descriptors.MolWt,
    "HBA": rdMolDescriptors.CalcNumHBA,
    "HBD": rdMolDescriptors.CalcNumHBD,
    "nRot": Descriptors.NumRotatableBonds,
    "nRing": rdMolDescriptors.CalcNumRings,
    "nHet": rdMolDescriptors.CalcNumHeteroatoms,
    "TPSA": Descriptors.TPSA,
    "LogP": Crippen.MolLogP,
    "StereoCenters": lambda m: len(Chem.FindMolChiralCenters(m, includeUnassigned=True)),
}

rows = list(csv.DictReader(open(sys.argv[1])))
targets = dict((k, float(v)) for k, v in (a.split("=", 1) for a in sys.argv[2:]))
unknown = sorted(set(targets) - set(PROPERTIES))
if unknown:
    sys.exit(f"unknown properties {unknown}; expected some of {list(PROPERTIES)}")
agree = valid = 0
canon = []
worst = {name: 0.0 for name in PROPERTIES}
values = {name: [] for name in targets}
for r in rows:
    s = r["smiles"]
    m = Chem.MolFromSmiles(s) if s else None
    ok = m is not None
    valid += ok
    ours = r["valid"] == "true"
    if ok == ours and (not ok or Chem.MolToSmiles(m) == r["canonical"]):
        agree += 1
    if ok:
        canon.append(Chem.MolToSmiles(m))
        for name, f in PROPERTIES.items():
            theirs = float(f(m))
            if name in r and r[name] != "":
                worst[name] = max(worst[name], abs(theirs - float(r[name])))
            if name in values:
                values[name].append(theirs)
print(f"rdkit {rdBase.rdkitVersion}: {len(rows)} queries, valid {valid} ({100*valid/len(rows):.2f} %), "
      f"distinct {len(set(canon))}, rows agreeing with qattnc (validity and canonical SMILES) {agree}")
if "MW" in rows[0]:
    print("largest |python − qattnc| per property over valid rows: "
          + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()))
for name, target in targets.items():
    xs = values[name]
    if xs:
        mean = sum(xs) / len(xs)
        mad = sum(abs(x - target) for x in xs) / len(xs)
        print(f"{name} = {target}: {len(xs)} valid, mean {mean:.4f}, MAD {mad:.4f}")
