#!/usr/bin/env python3
"""Compiling for devices: qattnc against Qiskit (optimization levels 1 and 3, best of 5 seeds)
and pytket (FullPeepholeOptimise, DefaultMappingPass, KAKDecomposition, SynthesiseTket, rebase)
on the two paper layers and on MQT Bench circuits (target-independent level), for every shipped
target in circuits/devices/ (or the devices given).

    python benches/compare_routing.py [--qattnc target/release/qattnc]
        [--device circuits/devices/heavy_hex_27.json ...] [--device line:27] [--device square:5x5]
        [--circuits ghz:12,qft:8,...] [--no-layers] [--tools qiskit_o1,qiskit_o3,pytket]
        [--seeds 5] [--cache target/routing_cache.json] [--json]

Every tool gets the same input program. qattnc compiles with `--target DEV.json` (`qattnc opt
IN.qasm -O2 --target DEV` for MQT Bench circuits, `qattnc compile LAYER.toml --target DEV` for
the paper layers) and reports its native program; Qiskit and pytket get the device's coupling
map and its two-qubit gate with {rz, sx, x}:

| target's native set | qattnc's two-qubit gate | Qiskit basis | pytket rebase |
|---|---|---|---|
| none (heavy_hex_27) | cx | cx, rz, sx, x | CX, Rz, SX, X |
| IBM cz, Rigetti, IQM | cz | cz, rz, sx, x | CZ, Rz, SX, X |
| IBM ecr (directed pairs) | ecr | ecr, rz, sx, x (directed map) | ECR, Rz, SX, X |
| IonQ (all-to-all) | ms | cx, rz, sx, x, no map | CX, Rz, SX, X, no mapping |

qattnc writes every CNOT as one `ms`, `cz` or `ecr`, so the two-qubit counts compare directly;
one-qubit gates differ by set and are not compared. The table gives two-qubit gates, depth
(native program for qattnc) and compile time: qattnc's own `compile_ms` (parse excluded),
Qiskit's and pytket's wall time of one transpile call (mean over the seeds). Paper layers:
Qiskit and pytket get qattnc's -O3 program in {cx, 1q} (inputs kept as parameters). MQT Bench
circuits are decomposed by Qiskit into {cx, rz, sx, x} first (so qattnc's QASM front end reads
them); circuits larger than a device are left out on it. The summary gives, per device, the
geometric mean over the MQT Bench circuits of qattnc ÷ each tool.

Qiskit and pytket results are cached in `--cache` (keyed by tool, seeds, device and the input
program's hash), so rerunning after a qattnc change only reruns qattnc; delete the file (or pass
`--cache ''`) to recompute them. Needs qiskit, qiskit-qasm3-import, mqt.bench and (optionally)
pytket: `bash tests/interop/setup_venv.sh` makes such a venv. Prints Markdown tables, or with
`--json` one object {"rows": [...], "summary": [...]} on standard output. Progress goes to
standard error. The full run takes tens of minutes on 2 cores: run it in the background, e.g.

    nice -n 10 ~/.cache/qattnc/interop-venv/bin/python benches/compare_routing.py --json \\
        > /tmp/routing.json 2> /tmp/routing.log &
"""
import argparse
import hashlib
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAYERS = ["paper_sequence", "paper_conditional"]
DEFAULT_CIRCUITS = (
    "ghz:12,qft:8,qaoa:10,dj:12,vqe_real_amp:10,wstate:12,qpeexact:8,ae:8,graphstate:12,bv:12,"
    "ghz:5,qft:5,dj:5,qaoa:5,wstate:5,ae:5"
)
TOOLS = ["qiskit_o1", "qiskit_o3", "pytket"]
TWO_QUBIT = ("cz", "cx", "ecr", "ms", "swap")


class Device:
    """A device as every tool sees it: name, qubits, listed pairs, whether only the listed
    direction is usable, all-to-all or not, and its two-qubit gate."""

    def __init__(self, spec):
        self.path = None
        self.directed = False
        if spec.startswith("line:"):
            n = int(spec[5:])
            self.name, self.n, self.edges = f"line-{n}", n, [(q, q + 1) for q in range(n - 1)]
            self.basis = ["cz", "rz", "sx", "x"]
        elif spec.startswith("square:"):
            rows, cols = (int(x) for x in spec[7:].split("x"))
            edges = []
            for r in range(rows):
                for c in range(cols):
                    q = r * cols + c
                    if c + 1 < cols:
                        edges.append((q, q + 1))
                    if r + 1 < rows:
                        edges.append((q, q + cols))
            self.name, self.n, self.edges = f"square-{rows}x{cols}", rows * cols, edges
            self.basis = ["cz", "rz", "sx", "x"]
        else:
            self.path = spec
            data = json.loads(Path(spec).read_text())
            self.name = data.get("name", data.get("backend_name", Path(spec).stem))
            self.n = data.get("num_qubits", data.get("n_qubits"))
            self.edges = [tuple(p) for p in data["coupling_map"]]
            self.basis = data.get("basis", data.get("basis_gates")) or []
            # IBM's configuration lists the usable direction of ecr (design.md §11).
            self.directed = data.get("directed", False) or ("ecr" in self.basis and "basis_gates" in data)
        pairs = {frozenset(e) for e in self.edges}
        self.all_to_all = len(pairs) == self.n * (self.n - 1) // 2
        if "ms" in self.basis:
            self.gate = "ms"
        elif "ecr" in self.basis:
            self.gate = "ecr"
        elif "cz" in self.basis:
            self.gate = "cz"
        else:
            self.gate = "cx"

    def reference_gate(self):
        """The two-qubit gate Qiskit and pytket compile to (IonQ's ms counts as cx)."""
        return "cx" if self.gate == "ms" else self.gate

    def target_file(self, tmp):
        """A `--target` file for qattnc."""
        if self.path:
            return self.path
        path = Path(tmp) / f"{self.name}.json"
        path.write_text(json.dumps({"name": self.name, "num_qubits": self.n,
                                    "coupling_map": [list(e) for e in self.edges],
                                    "basis": self.basis}))
        return str(path)

    def key(self):
        text = json.dumps([self.n, sorted(self.edges), self.directed, self.reference_gate(), self.all_to_all])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def two_qubit_count(ops):
    return sum(v for k, v in ops.items() if k in TWO_QUBIT)


def run_qattnc(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def qiskit_best(circuit, device, level, seeds):
    """(two-qubit gates, depth, mean ms per call) of the best seed (fewest two-qubit gates,
    then least depth)."""
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    if device.all_to_all:
        cmap = None
    elif device.directed:
        cmap = CouplingMap([list(e) for e in device.edges])
    else:
        cmap = CouplingMap([list(e) for e in device.edges] + [[b, a] for a, b in device.edges])
    basis = [device.reference_gate(), "rz", "sx", "x"]
    best, total = None, 0.0
    for seed in range(seeds):
        start = time.perf_counter()
        out = transpile(circuit, coupling_map=cmap, basis_gates=basis, optimization_level=level,
                        seed_transpiler=seed)
        total += time.perf_counter() - start
        key = (two_qubit_count(out.count_ops()), out.depth())
        if best is None or key < best:
            best = key
    return [best[0], best[1], total / seeds * 1e3]


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


def pytket_compile(circuit, device):
    from pytket import OpType
    from pytket.architecture import Architecture
    from pytket.passes import (AutoRebase, DefaultMappingPass, FullPeepholeOptimise,
                               KAKDecomposition, RemoveRedundancies, SequencePass, SynthesiseTket)

    gate = {"cx": OpType.CX, "cz": OpType.CZ, "ecr": OpType.ECR}[device.reference_gate()]
    tk = to_tket(circuit)
    start = time.perf_counter()
    passes = [FullPeepholeOptimise()]
    if not device.all_to_all:
        passes += [DefaultMappingPass(Architecture([list(e) for e in device.edges])),
                   KAKDecomposition(), SynthesiseTket()]
    passes += [AutoRebase({gate, OpType.Rz, OpType.SX, OpType.X}), RemoveRedundancies()]
    SequencePass(passes).apply(tk)
    ms = (time.perf_counter() - start) * 1e3
    return [tk.n_gates_of_type(gate), tk.depth(), ms]


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


def geomean(values):
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def summarise(rows, tools):
    summary = []
    for name in dict.fromkeys(r["device"] for r in rows):
        mine = [r for r in rows if r["device"] == name and r["kind"] == "mqt"]
        entry = {"device": name, "circuits": len(mine)}
        for tool in tools:
            have = [r for r in mine if r.get(tool)]
            entry[f"2q_vs_{tool}"] = geomean([max(r["qattnc"][0], 1) / max(r[tool][0], 1) for r in have])
            entry[f"time_vs_{tool}"] = geomean([max(r["qattnc"][2], 1e-3) / max(r[tool][2], 1e-3)
                                                for r in have])
        summary.append(entry)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qattnc", default="target/release/qattnc")
    parser.add_argument("--device", action="append",
                        help="a device JSON, line:N or square:RxC (default: circuits/devices/*.json)")
    parser.add_argument("--circuits", default=DEFAULT_CIRCUITS,
                        help="MQT Bench circuits as name:qubits, comma-separated ('' for none)")
    parser.add_argument("--no-layers", action="store_true", help="leave out the paper layers")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="reference tools to run: qiskit_o1, qiskit_o3, pytket ('' for none)")
    parser.add_argument("--seeds", type=int, default=5, help="Qiskit seeds (best kept)")
    parser.add_argument("--cache", default="target/routing_cache.json",
                        help="JSON cache of the reference tools' results ('' for none)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    devices = [Device(spec) for spec in (args.device or sorted(str(p) for p in Path("circuits/devices").glob("*.json")))]
    tools = [t for t in args.tools.split(",") if t]
    if "pytket" in tools:
        try:
            import pytket  # noqa: F401
        except ImportError:
            tools.remove("pytket")
            print("pytket not importable: its column is left out", file=sys.stderr)
    cache_path = Path(args.cache) if args.cache else None
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.exists() else {}
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
        for device in devices:
            target = device.target_file(tmp)
            for kind, items in (("layer", layers), ("mqt", programs)):
                for cname, path, qc in items:
                    if qc.num_qubits > device.n:
                        continue
                    if kind == "layer":
                        cmd = [args.qattnc, "compile", f"circuits/{cname}.toml"]
                    else:
                        cmd = [args.qattnc, "opt", str(path), "-O2"]
                    stats = run_qattnc(cmd + ["--target", target, "-o", "/dev/null", "--json"])
                    report = stats["target"]
                    row = {"device": device.name, "kind": kind, "circuit": cname,
                           "qubits": qc.num_qubits, "gate": device.gate,
                           "qattnc": [report["two_qubit_gates"], report["depth"], stats["compile_ms"]]}
                    program_hash = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
                    for tool in tools:
                        key = f"{tool}/{args.seeds}/{device.key()}/{program_hash}"
                        if key not in cache:
                            if tool == "pytket":
                                cache[key] = pytket_compile(qc, device)
                            else:
                                cache[key] = qiskit_best(qc, device, int(tool[-1]), args.seeds)
                            if cache_path:
                                cache_path.write_text(json.dumps(cache))
                        row[tool] = cache[key]
                    rows.append(row)
                    print(f"{device.name} {cname}: {row}", file=sys.stderr, flush=True)
    summary = summarise(rows, tools)
    if args.json:
        print(json.dumps({"tools": tools, "seeds": args.seeds, "rows": rows, "summary": summary}))
        return
    columns = ["qattnc"] + tools
    print("| device | circuit | qubits | " + " | ".join(f"{t} 2q / depth / ms" for t in columns) + " |")
    print("|---|---|---|" + "---|" * len(columns))
    for r in rows:
        cells = [f"{r[t][0]} / {r[t][1]} / {r[t][2]:.1f}" for t in columns]
        print(f"| {r['device']} | {r['circuit']} | {r['qubits']} | " + " | ".join(cells) + " |")
    print()
    fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    print("| device | MQT circuits | " + " | ".join(f"2q ÷ {t}" for t in tools)
          + " | " + " | ".join(f"time ÷ {t}" for t in tools) + " |")
    print("|---|---|" + "---|" * (2 * len(tools)))
    for s in summary:
        print(f"| {s['device']} | {s['circuits']} | "
              + " | ".join(fmt(s[f"2q_vs_{t}"]) for t in tools) + " | "
              + " | ".join(fmt(s[f"time_vs_{t}"]) for t in tools) + " |")


if __name__ == "__main__":
    main()
