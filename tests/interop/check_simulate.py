#!/usr/bin/env python3
"""Reference readouts for random circuits, from Qiskit's Statevector.

Writes, into the directory given, `case_K.qasm` (OpenQASM 3 with stdgates.inc, terminal
measurements of a random subset of qubits) and `expected.json`: per case the observables (text in
qattnc's syntax), their expectation values, the measured bits and the probabilities of every
outcome (keys: bitstrings, highest-numbered measured bit first). Qiskit builds the same circuit
from the same gate list; nothing here uses qattnc.

    python check_simulate.py OUT_DIR [--cases 40] [--seed 5]
"""

import argparse
import json
import math
import os
import random
import sys

from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

ONE = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx"]
ROT = ["rx", "ry", "rz", "p"]
TWO = ["cx", "cy", "cz", "ch", "swap"]
CROT = ["crx", "cry", "crz", "cp"]
THREE = ["ccx", "cswap"]


def random_case(rng: random.Random, n: int, depth: int):
    qc = QuantumCircuit(n)
    lines = ["OPENQASM 3;", 'include "stdgates.inc";', f"qubit[{n}] q;", f"bit[{n}] c;"]
    for _ in range(depth * n):
        kind = rng.choice(["one", "rot", "two", "crot", "three"] if n >= 3 else
                          ["one", "rot", "two", "crot"])
        if kind == "one":
            name, q = rng.choice(ONE), rng.randrange(n)
            getattr(qc, name)(q)
            lines.append(f"{name} q[{q}];")
        elif kind == "rot":
            name, q, theta = rng.choice(ROT), rng.randrange(n), rng.uniform(-math.pi, math.pi)
            getattr(qc, name)(theta, q)
            lines.append(f"{name}({theta!r}) q[{q}];")
        elif kind == "two":
            name = rng.choice(TWO)
            a, b = rng.sample(range(n), 2)
            getattr(qc, name)(a, b)
            lines.append(f"{name} q[{a}], q[{b}];")
        elif kind == "crot":
            name, theta = rng.choice(CROT), rng.uniform(-math.pi, math.pi)
            a, b = rng.sample(range(n), 2)
            getattr(qc, name)(theta, a, b)
            lines.append(f"{name}({theta!r}) q[{a}], q[{b}];")
        else:
            name = rng.choice(THREE)
            a, b, c = rng.sample(range(n), 3)
            getattr(qc, name)(a, b, c)
            lines.append(f"{name} q[{a}], q[{b}], q[{c}];")
    # Measure a random subset into random distinct bits.
    measured = sorted(rng.sample(range(n), rng.randrange(1, n + 1)))
    bits = rng.sample(range(n), len(measured))
    for q, b in zip(measured, bits):
        lines.append(f"c[{b}] = measure q[{q}];")
    state = Statevector(qc)
    # Bits in ascending order; qargs in that order make Qiskit's keys highest bit first.
    order = sorted(zip(bits, measured))
    probabilities = state.probabilities_dict(qargs=[q for _, q in order])
    observables = []
    for _ in range(3):
        terms, sparse = [], []
        for _ in range(rng.randrange(1, 4)):
            coefficient = rng.choice([-1.5, -1.0, -0.5, 0.25, 0.5, 1.0, 2.0])
            k = rng.randrange(1, min(n, 4) + 1)
            qubits = rng.sample(range(n), k)
            paulis = "".join(rng.choice("XYZ") for _ in qubits)
            terms.append(f"{coefficient}*" + "*".join(f"{p}{q}" for p, q in zip(paulis, qubits)))
            sparse.append((paulis, qubits, coefficient))
        op = SparsePauliOp.from_sparse_list(sparse, num_qubits=n)
        value = state.expectation_value(op)
        observables.append({"text": " + ".join(terms).replace("+ -", "- "),
                            "value": float(value.real)})
    return "\n".join(lines) + "\n", {
        "qubits": n,
        "measured_bits": len(measured),
        "observables": observables,
        "probabilities": {k: float(v) for k, v in probabilities.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    expected = []
    for k in range(args.cases):
        n = rng.randrange(2, 9)
        text, case = random_case(rng, n, rng.randrange(1, 13))
        path = os.path.join(args.out, f"case_{k}.qasm")
        with open(path, "w") as f:
            f.write(text)
        case["program"] = path
        expected.append(case)
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
