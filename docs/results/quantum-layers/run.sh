#!/usr/bin/env bash
# Reproduces docs/results.md, "Quantum layers compared (issue 14)": the paper conditional preset
# trained for the same number of steps, same seed and data, with each layer of this folder; one
# run at a time (nice'd), each report's JSON line into OUT/NAME.json.
# Usage: docs/results/quantum-layers/run.sh [STEPS [DATA [OUT]]]   (from the repository root,
# after `cargo build --release`; QATTNC=PATH runs another binary)
set -euo pipefail
bin=${QATTNC:-target/release/qattnc}
steps=${1:-300}
data=${2:-../shared/data/qm9/qm9.csv}
out=${3:-/tmp/quantum-layers}
here=$(dirname "$0")
mkdir -p "$out"
for name in paper real_amplitudes efficient_su2 swap_test classical; do
    rm -rf "$out/$name-$steps"
    nice "$bin" train --config "$here/$name.toml" --data "$data" \
        --out "$out/$name-$steps" --max-steps "$steps" --seed 0 --json | tail -n 1 > "$out/$name-$steps.json"
    echo "$name: $(cat "$out/$name-$steps.json")"
done
