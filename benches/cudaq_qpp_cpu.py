#!/usr/bin/env python3
"""Full -O0 paper score circuit: CUDA-Q's qpp-cpu target against `qattnc simulate`, in one run.

CUDA-Q runs the kernel that `qattnc compile -O0` emits (its final `mz` dropped, since `observe`
takes unmeasured kernels), one `cudaq.observe(kernel, Z_0, *binding)` per binding, as the paper
did. qattnc is timed as a whole process (start-up, parsing, reading the bindings CSV, simulating,
writing the output CSV) on `--rows` bindings. Both compute the exact ancilla <Z>; the script checks
that they agree on the rows CUDA-Q ran.

    python3 benches/cudaq_qpp_cpu.py [--qattnc target/release/qattnc] [--layer paper_sequence]
                                     [--rows 20000] [--cudaq-rows 500] [--seed 1]

Without an importable `cudaq` it says so, times qattnc alone and exits 0.
"""

import argparse
import csv
import importlib.util
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qattnc", default=os.path.join("target", "release", "qattnc"))
    parser.add_argument("--layer", default="paper_sequence")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cudaq-rows", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.path.exists(args.qattnc):
        print(f"{args.qattnc} not found: build it first (cargo build --release)")
        return 0

    work = tempfile.mkdtemp(prefix="qattnc-bench-")
    qasm = os.path.join(work, "circuit.qasm")
    kernel_py = os.path.join(work, "kernel.py")
    for output in (qasm, kernel_py):
        subprocess.run(
            [args.qattnc, "compile", "--preset", args.layer, "-O0", "-o", output], check=True
        )

    # Input names in declaration order, read from the emitted program.
    with open(qasm) as f:
        names = [line.split()[-1].rstrip(";") for line in f if line.startswith("input ")]
    rng = random.Random(args.seed)
    rows = [[rng.uniform(-math.pi, math.pi) for _ in names] for _ in range(args.rows)]
    bindings = os.path.join(work, "bindings.csv")
    with open(bindings, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        writer.writerows([repr(x) for x in row] for row in rows)

    out_csv = os.path.join(work, "out.csv")
    start = time.perf_counter()
    run = subprocess.run(
        [args.qattnc, "simulate", qasm, "--bind", bindings, "-o", out_csv, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    qattnc_wall = time.perf_counter() - start
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    with open(out_csv) as f:
        qattnc_z = [float(r["expectation_z0"]) for r in csv.DictReader(f)]
    qattnc_rate = args.rows / qattnc_wall
    print(f"layer {args.layer}, -O0, {len(names)} inputs, {summary['qubits']} qubits")
    print(
        f"qattnc simulate: {args.rows} circuits in {qattnc_wall:.3f} s whole process "
        f"= {qattnc_rate:,.0f} circuits/s (simulation alone: "
        f"{summary['circuits_per_second']:,.0f} circuits/s, {summary['amplitudes']} amplitudes)"
    )

    try:
        import cudaq
    except ImportError as error:
        print(f"cudaq is not importable ({error}); the CUDA-Q comparison was not run")
        return 0

    with open(kernel_py) as f:
        source = "".join(line for line in f if not line.strip().startswith("mz("))
    with open(kernel_py, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("qattnc_kernel", kernel_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cudaq.set_target("qpp-cpu")
    kernel = module.attention_score
    z0 = cudaq.spin.z(0)
    count = min(args.cudaq_rows, args.rows)
    cudaq.observe(kernel, z0, *rows[0])  # compile the kernel outside the timing
    start = time.perf_counter()
    cudaq_z = [cudaq.observe(kernel, z0, *row).expectation() for row in rows[:count]]
    cudaq_time = time.perf_counter() - start
    cudaq_rate = count / cudaq_time
    difference = max(abs(a - b) for a, b in zip(cudaq_z, qattnc_z))
    print(
        f"CUDA-Q {cudaq.__version__.split()[2] if len(cudaq.__version__.split()) > 2 else ''} "
        f"qpp-cpu observe: {count} circuits in {cudaq_time:.3f} s = {cudaq_rate:,.0f} circuits/s"
    )
    print(f"max |<Z> qattnc - <Z> CUDA-Q| over {count} rows: {difference:.2e}")
    print(f"speed-up (qattnc whole process / CUDA-Q per circuit): {qattnc_rate / cudaq_rate:,.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
