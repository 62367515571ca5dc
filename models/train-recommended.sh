#!/bin/bash
# Starts (or resumes) one recommended model in chunks of 150 steps, a checkpoint after each, and
# stops when a chunk takes no step (the configured epochs are done).
set -o pipefail
cd "$(dirname "$0")/.."
name=$1
B=${QATTNC:-target/release/qattnc}
D=${QM9:-/work/shared/data/qm9/qm9.csv}
M=models/$name
export RAYON_NUM_THREADS=1
N=${NICE:-19}   # niceness: 19 beside other work; lower it on an idle machine
if [ ! -f $M/config.json ]; then
  nice -n $N $B train --config models/configs/$name.toml --data $D --out $M --max-steps 150 --json || exit 1
fi
while summary=$(nice -n $N $B train --resume $M --data $D --max-steps 150 --json | tail -n 1); do
  echo "$summary"
  steps=$(grep -o '"steps":[0-9]*' <<<"$summary" | cut -d: -f2)
  [ "${steps:-0}" -gt 0 ] || break
done
