#!/usr/bin/env python3
"""Cross-checks an emitted attention-score circuit against Qiskit, CUDA-Q and numpy.

    check_scores.py --bindings B.json --registers T,P,R [--layers L] [--entangler ring]
                    [--qasm F.qasm]... [--cudaq F.py]... [--kernel attention_score]

B.json is a list of objects mapping input names (tok_i_0, ..., key_5) to floats. For each
binding it computes
  qiskit: the ancilla's <Z> (qubit 0, little-endian) of the QASM file, loaded with
          qiskit.qasm3.loads, final measurements removed, parameters bound, Statevector;
  cudaq:  <Z_0> of the CUDA-Q Python kernel, imported as emitted, with cudaq.observe on the
          qpp-cpu target (observe rejects kernels that measure: the emitted kernels have no mz);
  numpy:  Re<psi_q(i)|psi_k(j)> from the ansatz definition of design.md section 3 (Ry layer,
          then a CNOT ring, per register; angle index l*m + q), independent of qattnc.
--qasm and --cudaq may repeat (one process for several optimisation levels: imports dominate).
It prints one JSON object: {"numpy": [score...], "qiskit": [[score...] per --qasm],
"cudaq": [[score...] per --cudaq], "versions": {...}, "skipped": {tool: reason}}. A tool that
is requested but cannot be imported is reported under "skipped" rather than failing; an emitted
file that a tool rejects is an error (exit 1).
"""

import argparse
import ast
import importlib.util
import json
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np


# ---------------------------------------------------------------- numpy reference (design.md §3)


def ry(theta):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -s], [s, c]])


def apply_1q(state, n, qubit, matrix):
    """Applies a 2x2 matrix to `qubit` of an n-qubit little-endian state (bit k = qubit k)."""
    psi = state.reshape(2 ** (n - 1 - qubit), 2, 2**qubit)
    return np.einsum("ab,ibj->iaj", matrix, psi).reshape(-1)


def apply_cx(state, n, control, target):
    index = np.arange(2**n)
    return state[index ^ (((index >> control) & 1) << target)]


def entangler_pairs(kind, m):
    chain = [(q, q + 1) for q in range(m - 1)]
    if kind == "none":
        return []
    if kind == "linear":
        return chain
    return chain + [(m - 1, 0)] if m >= 2 else []


def apply_ansatz(state, n, qubits, angles, layers, entangler):
    m = len(qubits)
    for layer in range(layers):
        for q in range(m):
            state = apply_1q(state, n, qubits[q], ry(angles[layer * m + q]))
        for c, t in entangler_pairs(entangler, m):
            state = apply_cx(state, n, qubits[c], qubits[t])
    return state


def prepared_state(binding, side, registers, layers, entangler):
    """psi_q(i) (side "i") or psi_k(j) (side "j") on the working register."""
    tok, pos, prop = registers
    n = tok + pos + prop
    whole = "query" if side == "i" else "key"
    groups = [
        (f"tok_{side}", list(range(tok))),
        (f"pos_{side}", list(range(tok, tok + pos))),
        ("prop", list(range(tok + pos, n))),
        (whole, list(range(n))),
    ]
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1.0
    for prefix, qubits in groups:
        if qubits:
            angles = [binding[f"{prefix}_{k}"] for k in range(layers * len(qubits))]
            state = apply_ansatz(state, n, qubits, angles, layers, entangler)
    return state


def numpy_scores(bindings, registers, layers, entangler):
    scores = []
    for binding in bindings:
        query = prepared_state(binding, "i", registers, layers, entangler)
        key = prepared_state(binding, "j", registers, layers, entangler)
        scores.append(float(np.vdot(query, key).real))
    return scores


# ---------------------------------------------------------------- Qiskit


def qiskit_scores(path, bindings):
    from qiskit import qasm3
    from qiskit.quantum_info import Statevector

    circuit = qasm3.loads(Path(path).read_text()).remove_final_measurements(inplace=False)
    parameters = {p.name: p for p in circuit.parameters}
    scores = []
    for binding in bindings:
        missing = sorted(set(parameters) - set(binding))
        if missing:
            raise ValueError(f"binding lacks inputs {missing}")
        bound = circuit.assign_parameters({p: binding[name] for name, p in parameters.items()})
        p0, p1 = Statevector(bound).probabilities([0])
        scores.append(float(p0 - p1))
    return scores


# ---------------------------------------------------------------- CUDA-Q


def kernel_arguments(source, kernel):
    """The argument names of `def kernel(...)` in a module's source, in order."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == kernel:
            return [a.arg for a in node.args.args]
    raise ValueError(f"no function `{kernel}` in the CUDA-Q module")


def cudaq_scores(path, bindings, kernel, module_path):
    import cudaq

    source = Path(path).read_text()
    # The kernel is imported as emitted: cudaq.observe refuses kernels that measure, and qattnc
    # leaves terminal measurements out so that observe reads the score directly.
    module_path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, kernel)
    names = kernel_arguments(source, kernel)
    # One list of values per argument: observe broadcasts over them and compiles the kernel once
    # (one call per binding recompiles it each time, ~0.2 s a call).
    columns = [[float(binding[name]) for binding in bindings] for name in names]
    results = cudaq.observe(function, cudaq.spin.z(0), *columns)
    scores = [float(r.expectation()) for r in results]
    return scores


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bindings", required=True, help="JSON list of {input name: value}")
    parser.add_argument("--registers", required=True, help="token,position,property qubit counts")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--entangler", choices=["ring", "linear", "none"], default="ring")
    parser.add_argument("--qasm", action="append", default=[], help="emitted OpenQASM 3 file")
    parser.add_argument("--cudaq", action="append", default=[], help="emitted CUDA-Q Python module")
    parser.add_argument("--kernel", default="attention_score")
    args = parser.parse_args()

    registers = tuple(int(x) for x in args.registers.split(","))
    if len(registers) != 3:
        parser.error("--registers takes three counts: token,position,property")
    bindings = json.loads(Path(args.bindings).read_text())
    result = {
        "numpy": numpy_scores(bindings, registers, args.layers, args.entangler),
        "versions": {"numpy": np.__version__, "python": sys.version.split()[0]},
        "skipped": {},
    }
    if args.qasm:
        try:
            import qiskit
            import qiskit_qasm3_import

            result["versions"]["qiskit"] = qiskit.__version__
            result["versions"]["qiskit-qasm3-import"] = qiskit_qasm3_import.__version__
        except ImportError as error:
            result["skipped"]["qiskit"] = f"cannot import: {error}"
        else:
            result["qiskit"] = [qiskit_scores(path, bindings) for path in args.qasm]
    if args.cudaq:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import cudaq
            version = cudaq.__version__.split(" (")[0]  # "CUDA-Q Version 0.16.0 (https://…)"
            result["versions"]["cudaq"] = version.removeprefix("CUDA-Q Version ")
        except Exception as error:  # a broken install raises more than ImportError
            result["skipped"]["cudaq"] = f"cannot import: {error}"
        else:
            cudaq.set_target("qpp-cpu")
            with tempfile.TemporaryDirectory() as workdir, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result["cudaq"] = [
                    cudaq_scores(path, bindings, args.kernel, Path(workdir) / f"kernel_{k}.py")
                    for k, path in enumerate(args.cudaq)
                ]
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
