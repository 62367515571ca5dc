#!/usr/bin/env python3
"""Large states: `qattnc simulate` against Qiskit Aer (statevector) and qsimcirq, in one run.

Circuits: brickwork on n qubits, n layers; each layer puts a random rotation (rx, ry or rz with
a random angle) on every qubit, then cz (even layers) or cx (odd layers) on the pairs
(i, i+1) with i of the layer's parity. Fixed seed, so every run times the same circuits.

Readouts:
  full  -- the observable Z0 + Z1 + ... + Z(n-1): needs the whole final state.
  z0    -- <Z_0>: a simulator may drop what cannot influence qubit 0 (qattnc prunes the causal
           cone; Aer truncates unused qubits; qsim does neither).

Timing, best of --repeat runs:
  qattnc whole   -- the whole `qattnc simulate` process (start-up, parse, simulate, write).
  qattnc sim     -- the same run's `--json` `seconds` (simulation only, in process).
  aer            -- in process: `AerSimulator(method="statevector").run(qc).result()` with
                    `save_expectation_value` (the circuit built beforehand; Python import excluded).
  qsim           -- in process: `QSimSimulator().simulate_expectation_values(circuit, observable)`.
Values of the three are checked against each other (the worst difference is printed).

    ~/.cache/qattnc/interop-venv/bin/python benches/compare_simulators.py \
        [--qattnc target/release/qattnc] [--sizes 16,18,20,22,24] [--repeat 2] [--json]

Simulators that cannot be imported are skipped with a note. The 7-qubit paper score circuits
against CUDA-Q qpp-cpu are timed by benches/cudaq_qpp_cpu.py.
"""

import argparse
import importlib.util
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time


def brickwork(n: int, seed: int):
    """The gate list: ("rx"|"ry"|"rz", q, angle) and ("cz"|"cx", a, b)."""
    rng = random.Random(seed * 1000 + n)
    gates = []
    for layer in range(n):
        for q in range(n):
            gates.append((rng.choice(["rx", "ry", "rz"]), q, rng.uniform(-math.pi, math.pi)))
        two = "cz" if layer % 2 == 0 else "cx"
        for a in range(layer % 2, n - 1, 2):
            gates.append((two, a, a + 1))
    return gates


def to_qasm(n: int, gates) -> str:
    lines = ["OPENQASM 3;", 'include "stdgates.inc";', f"qubit[{n}] q;"]
    for g in gates:
        if g[0] in ("cz", "cx"):
            lines.append(f"{g[0]} q[{g[1]}], q[{g[2]}];")
        else:
            lines.append(f"{g[0]}({g[2]!r}) q[{g[1]}];")
    return "\n".join(lines) + "\n"


def observable_text(readout: str, n: int) -> str:
    return " + ".join(f"Z{q}" for q in range(n)) if readout == "full" else "Z0"


def time_qattnc(binary: str, path: str, readout: str, n: int, repeat: int):
    best_whole, best_sim, value, summary = math.inf, math.inf, None, None
    for _ in range(repeat):
        command = [binary, "simulate", path, "--bind-random", "1", "--json",
                   "--observable", observable_text(readout, n)]
        start = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True)
        whole = time.perf_counter() - start
        if run.returncode != 0:
            raise SystemExit(f"qattnc failed: {run.stderr}")
        lines = run.stdout.strip().splitlines()
        summary = json.loads(lines[-1])
        value = float(lines[1])
        best_whole = min(best_whole, whole)
        best_sim = min(best_sim, summary["seconds"])
    return best_whole, best_sim, value, summary


def time_aer(n: int, gates, readout: str, repeat: int):
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(n)
    for g in gates:
        if g[0] in ("cz", "cx"):
            getattr(qc, g[0])(g[1], g[2])
        else:
            getattr(qc, g[0])(g[2], g[1])
    if readout == "full":
        op = SparsePauliOp.from_sparse_list([("Z", [q], 1.0) for q in range(n)], num_qubits=n)
    else:
        op = SparsePauliOp.from_sparse_list([("Z", [0], 1.0)], num_qubits=n)
    qc.save_expectation_value(op, list(range(n)), label="value")
    simulator = AerSimulator(method="statevector")
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = simulator.run(qc).result()
        best = min(best, time.perf_counter() - start)
        value = float(result.data()["value"])
    return best, value


def time_qsim(n: int, gates, readout: str, repeat: int):
    import cirq
    import qsimcirq

    qubits = cirq.LineQubit.range(n)
    rotation = {"rx": cirq.rx, "ry": cirq.ry, "rz": cirq.rz}
    ops = []
    for g in gates:
        if g[0] == "cz":
            ops.append(cirq.CZ(qubits[g[1]], qubits[g[2]]))
        elif g[0] == "cx":
            ops.append(cirq.CNOT(qubits[g[1]], qubits[g[2]]))
        else:
            ops.append(rotation[g[0]](g[2]).on(qubits[g[1]]))
    circuit = cirq.Circuit(ops)
    if readout == "full":
        observable = sum(cirq.Z(q) for q in qubits)
    else:
        observable = cirq.Z(qubits[0])
    simulator = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=os.cpu_count()))
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        values = simulator.simulate_expectation_values(circuit, observables=[observable])
        best = min(best, time.perf_counter() - start)
        value = float(values[0].real)
    return best, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qattnc", default=os.path.join("target", "release", "qattnc"))
    parser.add_argument("--sizes", default="16,18,20,22,24")
    parser.add_argument("--readouts", default="full,z0")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args()
    if not os.path.exists(args.qattnc):
        print(f"{args.qattnc} not found: build it first (cargo build --release)")
        return 0
    have = {
        "aer": importlib.util.find_spec("qiskit_aer") is not None,
        "qsim": importlib.util.find_spec("qsimcirq") is not None,
    }
    for name, present in have.items():
        if not present:
            print(f"note: {name} is not importable here; its column is skipped")
    results = []
    header = (f"{'n':>3} {'readout':>7} {'gates':>6} {'cone':>5} {'qattnc whole':>13} "
              f"{'qattnc sim':>11} {'aer':>9} {'qsim':>9} {'whole/aer':>10} {'sim/aer':>8} "
              f"{'max diff':>9}")
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            gates = brickwork(n, args.seed)
            path = os.path.join(tmp, f"brickwork_{n}.qasm")
            with open(path, "w") as f:
                f.write(to_qasm(n, gates))
            for readout in args.readouts.split(","):
                whole, sim, value, summary = time_qattnc(args.qattnc, path, readout, n,
                                                         args.repeat)
                row = {"qubits": n, "readout": readout, "gates": len(gates),
                       "cone_qubits": summary["simulated_qubits"],
                       "cone_gates": summary["simulated_gates"],
                       "qattnc_whole_s": whole, "qattnc_sim_s": sim, "qattnc_value": value}
                values = [value]
                if have["aer"]:
                    row["aer_s"], row["aer_value"] = time_aer(n, gates, readout, args.repeat)
                    values.append(row["aer_value"])
                if have["qsim"]:
                    row["qsim_s"], row["qsim_value"] = time_qsim(n, gates, readout, args.repeat)
                    values.append(row["qsim_value"])
                row["max_diff"] = max(values) - min(values)
                results.append(row)

                def cell(key, width, fmt="{:.3f}"):
                    return (fmt.format(row[key]) if key in row else "-").rjust(width)

                ratio_whole = f"{whole / row['aer_s']:.2f}" if "aer_s" in row else "-"
                ratio_sim = f"{sim / row['aer_s']:.2f}" if "aer_s" in row else "-"
                print(f"{n:>3} {readout:>7} {len(gates):>6} {summary['simulated_qubits']:>5} "
                      f"{whole:>13.3f} {sim:>11.3f} {cell('aer_s', 9)} {cell('qsim_s', 9)} "
                      f"{ratio_whole:>10} {ratio_sim:>8} {row['max_diff']:>9.1e}", flush=True)
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
