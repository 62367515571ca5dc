"""Recount validity, uniqueness and novelty of a `qattnc sample -o` CSV with Python RDKit."""
import csv, sys
from rdkit import Chem, RDLogger, rdBase
RDLogger.DisableLog("rdApp.*")
rows = list(csv.DictReader(open(sys.argv[1])))
agree = valid = 0
canon = []
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
print(f"rdkit {rdBase.rdkitVersion}: {len(rows)} queries, valid {valid} ({100*valid/len(rows):.2f} %), "
      f"distinct {len(set(canon))}, rows agreeing with qattnc (validity and canonical SMILES) {agree}")
