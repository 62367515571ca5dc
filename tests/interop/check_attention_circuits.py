"""Runs the score programs of `qattnc attention --circuits` in Qiskit (driven by
tests/cli_attention_circuits.rs).

Arguments: OUT (the --circuits folder), KIND (the layer's score kind), N (working qubits).
For every block{b}_head{h}.qasm in OUT: the program is loaded by qiskit.qasm3.loads, final
measurements removed, and each row of block{b}_head{h}.csv binds its parameters by name; the
score is read from Qiskit's Statevector as the program header says and compared with the
row's `score` column. Prints one JSON object: {"programs": P, "rows": R, "max_error": e}.
"""

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np


def expectation_z(probabilities, qubit):
    signs = 1 - 2 * ((np.arange(len(probabilities)) >> qubit) & 1)
    return float(np.dot(signs, probabilities))


def score(probabilities, kind, n):
    if kind in ("hadamard-real", "hadamard-imag", "swap-test"):
        return expectation_z(probabilities, 0)
    if kind == "fidelity":
        return float(probabilities[0])
    if kind == "gaussian-z":
        d = expectation_z(probabilities, 0) - expectation_z(probabilities, n)
        return math.exp(-d * d)
    raise ValueError(f"unknown score kind {kind}")


def main():
    from qiskit import qasm3
    from qiskit.quantum_info import Statevector

    out, kind, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    programs = rows = 0
    worst = 0.0
    for path in sorted(out.glob("block*_head*.qasm")):
        circuit = qasm3.loads(path.read_text()).remove_final_measurements(inplace=False)
        with open(path.with_suffix(".csv"), newline="") as f:
            for row in csv.DictReader(f):
                bound = circuit.assign_parameters(
                    {p: float(row[p.name]) for p in circuit.parameters}
                )
                probabilities = np.abs(Statevector(bound).data) ** 2
                worst = max(worst, abs(score(probabilities, kind, n) - float(row["score"])))
                rows += 1
        programs += 1
    print(json.dumps({"programs": programs, "rows": rows, "max_error": worst}))


if __name__ == "__main__":
    main()
