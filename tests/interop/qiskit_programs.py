#!/usr/bin/env python3
"""Writes programs the way Qiskit writes them, with Qiskit's own readouts, for qattnc to read.

    qiskit_programs.py --out DIR --random N --seed S
    qiskit_programs.py --observe KERNEL.py...

First form: N circuits of `qiskit.circuit.random.random_circuit` (1-8 qubits, depth 1-12,
max_operands=3, measure=True), then one circuit per qubit count 4..8 that applies every gate of
`get_standard_gate_name_mapping()` (random angles and qubits; `global_phase` too, left out of the
OpenQASM 2 form, which cannot write it), then one OpenQASM 2 program per `qelib1.inc` gate that Qiskit's loader knows
(written here by name, read back by `qasm2.loads` with `LEGACY_CUSTOM_INSTRUCTIONS`). Each circuit is
written to DIR/<name>.qasm3 by `qasm3.dumps` and to DIR/<name>.qasm2 by `qasm2.dumps` (where
OpenQASM 2 can express it). The reference readouts come from `Statevector` of the circuit without
its final measurements: <Z_0> (qubit 0; Qiskit is little-endian) and the distribution of all
classical bits (index = sum of bit_j 2^j, bit j read from the qubit measured into clbit j).
It prints one JSON object: {"versions": {...}, "programs": [{"name", "qasm3", "qasm2", "z0",
"probabilities"}]}.

Second form: imports each CUDA-Q Python module (kernel `attention_score`, no arguments) and prints
{"cudaq": [<Z_0> per module]} from `cudaq.observe(kernel, cudaq.spin.z(0))` on qpp-cpu.
"""

import argparse
import importlib.util
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np


def reference(circuit):
    """(<Z_0>, distribution of the classical bits) by Qiskit's Statevector."""
    from qiskit.quantum_info import Statevector

    measured = {}
    for instruction in circuit.data:
        if instruction.operation.name == "measure":
            qubit = circuit.find_bit(instruction.qubits[0]).index
            clbit = circuit.find_bit(instruction.clbits[0]).index
            measured[clbit] = qubit
    state = Statevector(circuit.remove_final_measurements(inplace=False))
    z0 = float(state.probabilities([0]) @ np.array([1.0, -1.0]))
    qubits = [measured[j] for j in range(circuit.num_clbits)]
    probabilities = state.probabilities(qubits) if qubits else np.array([1.0])
    return z0, [float(p) for p in probabilities]


def every_gate_circuit(num_qubits, rng):
    """Every standard gate once, on random distinct qubits with random angles, then measure."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import get_standard_gate_name_mapping

    skip = {"measure", "reset", "delay", "barrier"}
    circuit = QuantumCircuit(num_qubits, num_qubits)
    circuit.global_phase = float(rng.uniform(-math.pi, math.pi))
    for name, gate in sorted(get_standard_gate_name_mapping().items()):
        if name in skip or gate.num_qubits > num_qubits or gate.num_clbits:
            continue
        params = [float(rng.uniform(-math.pi, math.pi)) for _ in gate.params]
        gate = type(gate)(*params) if params else gate
        qubits = [int(q) for q in rng.permutation(num_qubits)[: gate.num_qubits]]
        circuit.append(gate, qubits)
    circuit.measure(range(num_qubits), range(num_qubits))
    return circuit


# Qiskit's qelib1.inc gates by name: (angle parameters, qubits).
QELIB1 = {
    "u3": (3, 1), "u2": (2, 1), "u1": (1, 1), "u0": (1, 1), "u": (3, 1), "p": (1, 1),
    "id": (0, 1), "x": (0, 1), "y": (0, 1), "z": (0, 1), "h": (0, 1), "s": (0, 1),
    "sdg": (0, 1), "t": (0, 1), "tdg": (0, 1), "sx": (0, 1), "sxdg": (0, 1), "rx": (1, 1),
    "ry": (1, 1), "rz": (1, 1), "cx": (0, 2), "CX": (0, 2), "U": (3, 1), "cy": (0, 2),
    "cz": (0, 2), "ch": (0, 2), "crx": (1, 2), "cry": (1, 2), "crz": (1, 2), "cu1": (1, 2),
    "cp": (1, 2), "cu3": (3, 2), "cu": (4, 2), "csx": (0, 2), "swap": (0, 2), "cswap": (0, 3),
    "ccx": (0, 3), "rzz": (1, 2), "rxx": (1, 2), "rccx": (0, 3), "rc3x": (0, 4), "c3x": (0, 4),
    "c3sqrtx": (0, 4), "c4x": (0, 5),
}


def qelib1_programs(rng):
    """One OpenQASM 2 program per qelib1.inc gate: random one-qubit states, the gate, measure."""
    from qiskit import qasm2

    programs = []
    for name, (params, width) in QELIB1.items():
        n = width + 1
        lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];"]
        for k in range(n):
            angles = ", ".join(f"{rng.uniform(-math.pi, math.pi)!r}" for _ in range(3))
            lines.append(f"U({angles}) q[{k}];")
        qubits = ", ".join(f"q[{int(k)}]" for k in rng.permutation(n)[:width])
        angles = ", ".join(f"{rng.uniform(-math.pi, math.pi)!r}" for _ in range(params))
        if name == "u0":  # Qiskit reads u0(n) as a delay of n (integer) units: an identity
            angles = "2"
        lines.append(f"{name}({angles}) {qubits};" if params else f"{name} {qubits};")
        lines.append("measure q -> c;")
        text = "\n".join(lines) + "\n"
        circuit = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        programs.append((f"qelib1_{name}", circuit, text))
    return programs


def write(out, name, circuit, qasm2_text=None):
    from qiskit import qasm2, qasm3

    entry = {"name": name, "qasm3": None, "qasm2": None}
    if qasm2_text is None:
        path = out / f"{name}.qasm3"
        path.write_text(qasm3.dumps(circuit))
        entry["qasm3"] = str(path)
        # OpenQASM 2 cannot write the `global_phase` gate, which changes no readout: drop it.
        without = circuit.copy_empty_like()
        for instruction in circuit.data:
            if instruction.operation.name != "global_phase":
                without.append(instruction)
        qasm2_text = qasm2.dumps(without)
    if qasm2_text is not None:
        path = out / f"{name}.qasm2"
        path.write_text(qasm2_text)
        entry["qasm2"] = str(path)
    entry["z0"], entry["probabilities"] = reference(circuit)
    return entry


def generate(args):
    import qiskit
    from qiskit.circuit.random import random_circuit

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    programs = []
    for k in range(args.random):
        n = int(rng.integers(1, 9))
        depth = int(rng.integers(1, 13))
        circuit = random_circuit(n, depth, max_operands=3, measure=True, seed=int(rng.integers(2**31)))
        programs.append(write(out, f"random_{k}", circuit))
    for n in range(4, 9):
        programs.append(write(out, f"every_gate_{n}", every_gate_circuit(n, rng)))
    for name, circuit, text in qelib1_programs(rng):
        programs.append(write(out, name, circuit, qasm2_text=text))
    versions = {"qiskit": qiskit.__version__, "numpy": np.__version__}
    json.dump({"versions": versions, "programs": programs}, sys.stdout)
    print()


def observe(paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cudaq

        cudaq.set_target("qpp-cpu")
        values = []
        for k, path in enumerate(paths):
            spec = importlib.util.spec_from_file_location(f"kernel_{k}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            result = cudaq.observe(module.attention_score, cudaq.spin.z(0))
            values.append(float(result.expectation()))
    version = cudaq.__version__.split(" (")[0].removeprefix("CUDA-Q Version ")
    json.dump({"cudaq": values, "version": version}, sys.stdout)
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="directory for the programs")
    parser.add_argument("--random", type=int, default=200, help="random circuits")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--observe", nargs="+", help="CUDA-Q Python modules to observe")
    args = parser.parse_args()
    if args.observe:
        observe(args.observe)
    elif args.out:
        generate(args)
    else:
        parser.error("give --out DIR or --observe KERNEL.py...")


if __name__ == "__main__":
    main()
