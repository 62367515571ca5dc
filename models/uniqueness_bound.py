#!/usr/bin/env python3
"""What uniqueness at N queries asks of a model that writes QM9's molecules (standard library only).

For each integer-property target of `qattnc protocol` (training mean +/- 2 sigma, as the protocol
computes them, rounded and clamped at 0), the training molecules with exactly that value form a
slice of S molecules. A model that wrote every valid string as a slice molecule drawn uniformly (the
most diverse way to stay inside the training set) finds S * (1 - exp(-V / S)) distinct molecules in
V valid samples. If a fraction f of the valid samples are novel molecules that never repeat,
uniqueness is f + (S / V) * (1 - exp(-(1 - f) * V / S)). The script prints, per target, S, the
uniqueness at f = 0, and the f and the novelty (novel / distinct valid) that the goal needs.
A sequence model's slice is the whole training split (the `no_conditions` row).

    python3 models/uniqueness_bound.py models/quantum-conditional [--queries 100000]
        [--validity 1.0] [--goal 0.6]
"""

import argparse
import csv
import gzip
import json
import math
from pathlib import Path

PROPERTIES = ["MW", "HBA", "HBD", "nRot", "nRing", "nHet", "TPSA", "LogP", "StereoCenters"]
INTEGER = {"HBA", "HBD", "nRot", "nRing", "nHet", "StereoCenters"}


def uniqueness(novel_fraction, slice_size, valid):
    """Distinct / valid when a fraction of the valid samples are never-repeating novel molecules
    and the rest are drawn uniformly from `slice_size` training molecules."""
    in_slice = (1.0 - novel_fraction) * valid
    return novel_fraction + slice_size / valid * (1.0 - math.exp(-in_slice / slice_size))


def needed_fraction(slice_size, valid, goal):
    """The smallest novel fraction whose uniqueness reaches `goal` (bisection; uniqueness rises
    with the fraction)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if uniqueness(middle, slice_size, valid) >= goal:
            high = middle
        else:
            low = middle
    return high


def novelty(novel_fraction, slice_size, valid):
    """Novel / distinct valid at that novel fraction."""
    novel = novel_fraction * valid
    distinct_training = slice_size * (1.0 - math.exp(-(1.0 - novel_fraction) * valid / slice_size))
    return novel / (novel + distinct_training)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a conditional checkpoint directory")
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--validity", type=float, default=1.0)
    parser.add_argument("--goal", type=float, default=0.6, help="uniqueness asked for")
    args = parser.parse_args()

    config = json.loads((args.checkpoint / "config.json").read_text())
    mean, std = config["properties"]["mean"], config["properties"]["std"]
    with gzip.open(args.checkpoint / "reference.csv.gz", "rt") as handle:
        rows = list(csv.DictReader(handle))
    valid = args.validity * args.queries

    print(f"{args.queries} queries at {100 * args.validity:.1f} % validity, "
          f"uniqueness goal {100 * args.goal:.0f} %")
    print("| run | slice | S | uniqueness with no novel molecule | novel fraction needed | "
          "novelty then |")
    print("|---|---|---|---|---|---|")
    targets = [("no_conditions", None, None)]
    for index, name in enumerate(PROPERTIES):
        if name in INTEGER:
            for side, sign in (("upper", 1), ("lower", -1)):
                value = round(max(0.0, mean[index] + 2 * sign * std[index]))
                targets.append((f"{side}_{name}", name, value))
    for run, name, value in targets:
        size = sum(1 for row in rows if name is None or round(float(row[name])) == value)
        fraction = needed_fraction(size, valid, args.goal)
        label = "all training molecules" if name is None else f"{name} = {value}"
        print(f"| {run} | {label} | {size} | {100 * uniqueness(0.0, size, valid):.1f} % | "
              f"{100 * fraction:.1f} % | {100 * novelty(fraction, size, valid):.1f} % |")


if __name__ == "__main__":
    main()
