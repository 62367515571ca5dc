#!/usr/bin/env python3
"""Gate counts, depth and compile time of layer score circuits (-O0) under Qiskit
(optimization_level 3, basis {cx, ry, rz, h, x, sx}) and pytket (FullPeepholeOptimise), next
to qattnc's own levels: the paper's two presets and, with --gallery, every spec of
circuits/layers/ (one per ansatz family and score kind).

    python benches/compare_transpilers.py [--qattnc target/release/qattnc] [--gallery] [--json]

Needs qiskit, qiskit-qasm3-import and (optionally) pytket in the running Python: `make interop`
creates such a venv. Prints a Markdown table (or JSON) for docs/performance.md.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAYERS = ["paper_sequence", "paper_conditional"]
BASIS = ["cx", "ry", "rz", "h", "x", "sx"]
REPEATS = 5


def source_args(layer):
    """`--preset NAME` for a preset, the path for a spec file."""
    return [layer] if layer.endswith(".toml") else ["--preset", layer]


def layer_name(layer):
    return Path(layer).stem


def qattnc_stats(binary, layer, level):
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run(
            [binary, "compile", *source_args(layer), f"-O{level}", "--basis", "cx", "-o", "/dev/null",
             "--json"],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        runs.append(json.loads(out))
    stats = runs[0]
    return stats["two_qubit_gates"], stats["depth"], min(r["compile_ms"] for r in runs)


def bound_circuit(qasm_text):
    from qiskit import qasm3
    circuit = qasm3.loads(qasm_text)
    circuit.remove_final_measurements()
    return circuit


def qiskit_o3(circuit):
    from qiskit import transpile
    best = None
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = transpile(circuit, basis_gates=BASIS, optimization_level=3, seed_transpiler=1)
        elapsed = (time.perf_counter() - start) * 1e3
        best = elapsed if best is None else min(best, elapsed)
    ops = out.count_ops()
    return ops.get("cx", 0), out.depth(), best


def tket_peephole(circuit):
    try:
        from pytket.extensions.qiskit import qiskit_to_tk  # noqa: F401
    except ImportError:
        qiskit_to_tk = None
    from pytket.passes import FullPeepholeOptimise
    from pytket.qasm import circuit_from_qasm_str
    from qiskit import qasm2, transpile

    # tket reads OpenQASM 2: bind symbols to fixed random values (counts do not depend on them).
    import numpy as np
    rng = np.random.default_rng(0)
    bound = circuit.assign_parameters({p: rng.uniform(-3, 3) for p in circuit.parameters})
    flat = transpile(bound, basis_gates=BASIS + ["ccx", "cry"], optimization_level=0)
    tk = circuit_from_qasm_str(qasm2.dumps(flat))
    start = time.perf_counter()
    FullPeepholeOptimise().apply(tk)
    elapsed = (time.perf_counter() - start) * 1e3
    return tk.n_2qb_gates(), tk.depth(), elapsed


def main():
    global REPEATS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qattnc", default="target/release/qattnc")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=5, help="timing runs per cell")
    parser.add_argument("--gallery", action="store_true",
                        help="also every circuits/layers/*.toml (families and score kinds)")
    args = parser.parse_args()
    REPEATS = args.repeats
    layers = list(LAYERS)
    if args.gallery:
        root = Path(__file__).resolve().parent.parent
        layers += sorted(str(p) for p in (root / "circuits" / "layers").glob("*.toml"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layer in layers:
            path = Path(tmp) / f"{layer_name(layer)}.qasm"
            subprocess.run([args.qattnc, "compile", *source_args(layer), "-O0", "-o", str(path)],
                           check=True)
            circuit = bound_circuit(path.read_text())
            row = {"layer": layer_name(layer)}
            for level in range(4):
                row[f"qattnc_O{level}"] = qattnc_stats(args.qattnc, layer, level)
            try:
                row["qiskit_O3"] = qiskit_o3(circuit)
            except ImportError as error:
                print(f"qiskit unavailable: {error}", file=sys.stderr)
            try:
                row["tket_FullPeepholeOptimise"] = tket_peephole(circuit)
            except ImportError as error:
                print(f"pytket unavailable: {error}", file=sys.stderr)
            rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    columns = [k for k in rows[0] if k != "layer"]
    print("| layer | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for row in rows:
        cells = [f"{c[0]} / {c[1]} / {c[2]:.2f} ms" if c else "—" for c in (row.get(k) for k in columns)]
        print(f"| {row['layer']} | " + " | ".join(cells) + " |")
    print("\nEach cell: two-qubit gates (CNOTs) / depth / best compile time of "
          f"{REPEATS} runs.")
    worse = [row["layer"] for row in rows
             if any(row.get(k) and row["qattnc_O3"][0] > row[k][0]
                    for k in ("qiskit_O3", "tket_FullPeepholeOptimise"))]
    print("qattnc -O3 uses no more two-qubit gates than Qiskit O3 and tket on every layer."
          if not worse else f"qattnc -O3 uses more two-qubit gates than a reference on: {', '.join(worse)}")


if __name__ == "__main__":
    main()
