#!/usr/bin/env bash
# Training step time per layer family and score kind, quantum vs classical attention at the same
# width (issue 14): the paper's conditional sizes (embed 64, 1 block, batch 256, 2+2+2 working
# qubits), `qattnc train --max-steps 30 --json`, 1 and 4 heads, every run back to back with one
# release binary. For each head count the classical run comes first and again last, so that a
# drift of the machine's load shows; ratios divide by the mean of the two.
#
#   cargo build --release
#   bash benches/step_time.sh [DATA] [OUT.json]
#
# DATA defaults to ../shared/data/qm9/qm9.csv, OUT.json to target/step_time.json. QATTNC names the
# binary (default target/release/qattnc), HEADS the head counts (default "1 4"), FAMILIES a subset
# of the layer names below. Every run's summary line and the load average (1 min) before and after
# it go into OUT.json; docs/model.md ("Step time per layer") records a run.
set -euo pipefail

data=${1:-../shared/data/qm9/qm9.csv}
out=${2:-target/step_time.json}
bin=${QATTNC:-target/release/qattnc}
heads_list=${HEADS:-"1 4"}
families=${FAMILIES:-"paper real_amplitudes efficient_su2 swap_test hadamard_imag strongly_entangling"}
steps=${STEPS:-30}

[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
[ -f "$data" ] || { echo "no data at $data" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The [quantum] table of a family at the paper's conditional register sizes ("" = the paper layer).
layer() {
    local family=$1 heads=$2 ansatz kind
    case $family in
        paper) return ;;
        real_amplitudes) ansatz='family = "real_amplitudes"\nreps = 2'; kind=hadamard-real ;;
        efficient_su2) ansatz='family = "efficient_su2"\nreps = 2'; kind=hadamard-real ;;
        swap_test) ansatz='family = "real_amplitudes"\nreps = 2'; kind=swap-test ;;
        hadamard_imag) ansatz='family = "efficient_su2"\nreps = 2'; kind=hadamard-imag ;;
        strongly_entangling) ansatz='family = "strongly_entangling"\nlayers = 2'; kind=hadamard-real ;;
        *) echo "unknown family $family" >&2; exit 2 ;;
    esac
    printf '[quantum]\nname = "%s"\n[quantum.registers]\ntoken = 2\nposition = 2\nproperty = 2\n' "$family"
    printf "[quantum.ansatz]\n$ansatz\n"
    printf '[quantum.score]\nkind = "%s"\nheads = %d\n' "$kind" "$heads"
}

load() { cut -d' ' -f1 /proc/loadavg; }

results="$work/results.jsonl"
: >"$results"
run() {
    local name=$1 attention=$2 family=$3 heads=$4 config="$work/$1.toml"
    printf 'preset = "paper-%s-conditional"\n[model]\nheads = %d\n' "$attention" "$heads" >"$config"
    [ "$attention" = quantum ] && layer "$family" "$heads" >>"$config"
    local before after line
    before=$(load)
    line=$("$bin" train --config "$config" --data "$data" --out "$work/ckpt-$name" \
        --max-steps "$steps" --json | tail -n 1)
    after=$(load)
    jq -c --arg name "$name" --arg attention "$attention" --arg family "$family" \
        --argjson heads "$heads" --argjson before "$before" --argjson after "$after" \
        '{name: $name, attention: $attention, family: $family, heads: $heads,
          mean_step_ms, train_loss, val_loss, parameters, load_before: $before, load_after: $after}' \
        <<<"$line" | tee -a "$results"
    rm -rf "$work/ckpt-$name"
}

for heads in $heads_list; do
    run "classical-$heads-first" classical - "$heads"
    for family in $families; do
        run "quantum-$family-$heads" quantum "$family" "$heads"
    done
    run "classical-$heads-last" classical - "$heads"
done

# Ratios against the mean of the two classical runs of the same head count.
jq -s '
  (map(select(.attention == "classical")) | group_by(.heads)
     | map({key: (.[0].heads | tostring), value: (map(.mean_step_ms) | add / length)})
     | from_entries) as $classical
  | {steps: '"$steps"', runs: .,
     ratios: [ .[] | select(.attention == "quantum")
               | {family, heads, mean_step_ms, classical_ms: $classical[.heads | tostring],
                  ratio: (.mean_step_ms / $classical[.heads | tostring])} ]}' \
    "$results" >"$out"
jq -r '.ratios[] | "\(.family)\t\(.heads) head(s)\t\(.mean_step_ms) ms\tclassical \(.classical_ms) ms\tratio \(.ratio)"' "$out"
echo "wrote $out"
