#!/usr/bin/env python3
"""Routing onto devices: qattnc against Qiskit (optimization levels 1 and 3, best of 5 seeds)
and pytket (FullPeepholeOptimise, DefaultMappingPass, KAKDecomposition, rebase) on the two paper
layers and on MQT Bench circuits (target-independent level), for any device JSON.

    python benches/compare_routing.py [--qattnc target/release/qattnc]
        [--device circuits/devices/heavy_hex_27.json] [--device line:27] [--device square:5x5]
        [--circuits ghz:12,qft:10,...] [--json]

Devices are IBM-style JSON files (`n_qubits`, `coupling_map`) or the generated `line:N` and
`square:RxC`. Every tool gets the same input program and the basis {cz, rz, sx, x}; the table
gives two-qubit gates (cz), depth and compile time (qattnc: its own `compile_ms`; Qiskit and
pytket: wall time of the transpile call, best seed's). Paper layers: qattnc compiles the layer
spec at -O3 and routes it; Qiskit and pytket get qattnc's -O3 program in {cx, 1q} (inputs kept
as parameters). MQT Bench circuits are first decomposed by Qiskit into {cx, rz, sx, x} (so
qattnc's QASM front end reads them) and then given to all three tools, qattnc through
`qattnc opt IN.qasm -O2 --coupling-map DEV --basis ibm-cz`.

Needs qiskit, qiskit-qasm3-import, mqt.bench and (optionally) pytket in the running Python:
`bash tests/interop/setup_venv.sh` makes such a venv. Prints a Markdown table (or JSON).
"""
import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAYERS = ["paper_sequence", "paper_conditional"]
BASIS = ["cz", "rz", "sx", "x"]
SEEDS = 5
DEFAULT_CIRCUITS = (
    "ghz:12,qft:10,qaoa:10,dj:12,grover:8,vqe_real_amp:12,wstate:12,qpeexact:10,ae:10,"
    "graphstate:12,bv:12,qftentangled:10,vqe_su2:10,randomcircuit:10"
)


def device_edges(spec):
    """(name, qubits, edges) of a device JSON path or a `line:N` / `square:RxC` spec."""
    if spec.startswith("line:"):
        n = int(spec[5:])
        return f"line-{n}", n, [(q, q + 1) for q in range(n - 1)]
    if spec.startswith("square:"):
        rows, cols = (int(x) for x in spec[7:].split("x"))
        edges = []
        for r in range(rows):
            for c in range(cols):
                q = r * cols + c
                if c + 1 < cols:
                    edges.append((q, q + 1))
                if r + 1 < rows:
                    edges.append((q, q + cols))
        return f"square-{rows}x{cols}", rows * cols, edges
    data = json.loads(Path(spec).read_text())
    if isinstance(data, list):
        edges = [tuple(p) for p in data]
        return Path(spec).stem, max(max(p) for p in edges) + 1, edges
    n = data.get("n_qubits", data.get("num_qubits"))
    return data.get("backend_name", data.get("name", Path(spec).stem)), n, [tuple(p) for p in data["coupling_map"]]


def two_qubit_count(ops):
    return sum(v for k, v in ops.items() if k in ("cz", "cx", "ecr", "swap"))


def run_qattnc(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def qiskit_best(circuit, edges, level):
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    cmap = CouplingMap([list(e) for e in edges] + [[b, a] for a, b in edges])
    best = None
    for seed in range(SEEDS):
        start = time.perf_counter()
        out = transpile(circuit, coupling_map=cmap, basis_gates=BASIS, optimization_level=level,
                        seed_transpiler=seed)
        ms = (time.perf_counter() - start) * 1e3
        key = (two_qubit_count(out.count_ops()), out.depth(), ms)
        if best is None or key < best:
            best = key
    return best


def to_tket(circuit):
    """A pytket circuit of a Qiskit circuit in {cx, cz, rz, ry, rx, sx, x, h, measure, barrier}
    (parameters become sympy symbols)."""
    from pytket import Circuit, OpType

    ops = {"cx": OpType.CX, "cz": OpType.CZ, "rz": OpType.Rz, "ry": OpType.Ry, "rx": OpType.Rx,
           "sx": OpType.SX, "x": OpType.X, "h": OpType.H}
    out = Circuit(circuit.num_qubits, circuit.num_clbits)
    for inst in circuit.data:
        name = inst.operation.name
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if name == "measure":
            out.Measure(qubits[0], circuit.find_bit(inst.clbits[0]).index)
        elif name == "barrier":
            continue
        else:
            params = []
            for p in inst.operation.params:
                value = p.sympify() if hasattr(p, "sympify") else float(p)
                params.append(value / math.pi)
            out.add_gate(ops[name], params, qubits)
    return out


def pytket_compile(circuit, edges):
    from pytket import OpType
    from pytket.architecture import Architecture
    from pytket.passes import (DefaultMappingPass, FullPeepholeOptimise, KAKDecomposition,
                               RemoveRedundancies, SequencePass, SynthesiseTket, AutoRebase)

    tk = to_tket(circuit)
    start = time.perf_counter()
    SequencePass([
        FullPeepholeOptimise(),
        DefaultMappingPass(Architecture([list(e) for e in edges])),
        KAKDecomposition(),
        SynthesiseTket(),
        AutoRebase({OpType.CZ, OpType.Rz, OpType.SX, OpType.X}),
        RemoveRedundancies(),
    ]).apply(tk)
    ms = (time.perf_counter() - start) * 1e3
    return tk.n_gates_of_type(OpType.CZ), tk.depth(), ms


def benchmark_programs(specs, tmp):
    """(name, qasm path for qattnc, Qiskit circuit) of the MQT Bench circuits."""
    from mqt.bench import BenchmarkLevel, get_benchmark
    from qiskit import qasm3, transpile

    out = []
    for spec in specs:
        name, size = spec.split(":")
        qc = get_benchmark(name, BenchmarkLevel.INDEP, int(size))
        qc = transpile(qc, basis_gates=["cx", "rz", "sx", "x"], optimization_level=0)
        qc.remove_final_measurements()
        qc.measure_all()
        path = Path(tmp) / f"{name}_{size}.qasm"
        path.write_text(qasm3.dumps(qc))
        out.append((f"{name}-{size}", path, qc))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qattnc", default="target/release/qattnc")
    parser.add_argument("--device", action="append")
    parser.add_argument("--circuits", default=DEFAULT_CIRCUITS)
    parser.add_argument("--no-layers", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    devices = args.device or ["circuits/devices/heavy_hex_27.json", "line:27", "square:5x5"]
    try:
        import pytket  # noqa: F401
        have_tket = True
    except ImportError:
        have_tket = False
        print("pytket not importable: its column is left empty", file=sys.stderr)
    from qiskit import qasm3

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        programs = benchmark_programs([c for c in args.circuits.split(",") if c], tmp)
        layers = []
        if not args.no_layers:
            for layer in LAYERS:
                path = Path(tmp) / f"{layer}.qasm"
                subprocess.run([args.qattnc, "compile", f"circuits/{layer}.toml", "--basis", "cx",
                                "-o", str(path)], check=True, capture_output=True)
                layers.append((layer, path, qasm3.loads(path.read_text())))
        for spec in devices:
            name, n, edges = device_edges(spec)
            device = Path(tmp) / f"{name}.json"
            device.write_text(json.dumps({"n_qubits": n, "coupling_map": [list(e) for e in edges]}))
            for kind, items in (("layer", layers), ("mqt", programs)):
                for cname, path, qc in items:
                    if qc.num_qubits > n:
                        continue
                    if kind == "layer":
                        cmd = [args.qattnc, "compile", f"circuits/{cname}.toml", "--basis", "ibm-cz",
                               "--coupling-map", str(device), "-o", "/dev/null", "--json"]
                        stats = run_qattnc(cmd)
                        ours = (stats["two_qubit_gates"], stats["depth"],
                                stats["compile_ms"])
                    else:
                        cmd = [args.qattnc, "opt", str(path), "-O2", "--basis", "ibm-cz",
                               "--coupling-map", str(device), "-o", "/dev/null", "--json"]
                        stats = run_qattnc(cmd)
                        ours = (stats["after"]["two_qubit_gates"], stats["after"]["depth"],
                                stats["compile_ms"])
                    row = {"device": name, "circuit": cname, "qubits": qc.num_qubits,
                           "qattnc": ours, "qiskit_o1": qiskit_best(qc, edges, 1),
                           "qiskit_o3": qiskit_best(qc, edges, 3)}
                    if have_tket:
                        row["pytket"] = pytket_compile(qc, edges)
                    rows.append(row)
                    print(f"{name} {cname}: {row}", file=sys.stderr)
    summary = []
    for name in dict.fromkeys(r["device"] for r in rows):
        mine = [r for r in rows if r["device"] == name and not r["circuit"].startswith("paper_")]

        def geo(tool, i):
            values = [max(r["qattnc"][i], 1) / max(r[tool][i], 1) for r in mine if tool in r]
            return math.exp(sum(map(math.log, values)) / len(values)) if values else None

        summary.append({"device": name, "circuits": len(mine),
                        **{f"2q_vs_{t}": geo(t, 0) for t in ("qiskit_o1", "qiskit_o3", "pytket")},
                        **{f"time_vs_{t}": geo(t, 2) for t in ("qiskit_o1", "qiskit_o3", "pytket")}})
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary}))
        return
    tools = ["qattnc", "qiskit_o1", "qiskit_o3"] + (["pytket"] if have_tket else [])
    print("| device | circuit | qubits | " + " | ".join(f"{t} 2q / depth / ms" for t in tools) + " |")
    print("|---|---|---|" + "---|" * len(tools))
    for r in rows:
        cells = [f"{r[t][0]} / {r[t][1]} / {r[t][2]:.1f}" for t in tools]
        print(f"| {r['device']} | {r['circuit']} | {r['qubits']} | " + " | ".join(cells) + " |")
    print()
    print("| device | MQT circuits | 2q ÷ Qiskit O1 | 2q ÷ Qiskit O3 | 2q ÷ pytket | time ÷ Qiskit O3 | time ÷ pytket |")
    print("|---|---|---|---|---|---|---|")
    fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    for s in summary:
        print(f"| {s['device']} | {s['circuits']} | {fmt(s['2q_vs_qiskit_o1'])} | "
              f"{fmt(s['2q_vs_qiskit_o3'])} | {fmt(s['2q_vs_pytket'])} | "
              f"{fmt(s['time_vs_qiskit_o3'])} | {fmt(s['time_vs_pytket'])} |")


if __name__ == "__main__":
    main()
