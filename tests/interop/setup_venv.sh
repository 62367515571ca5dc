#!/usr/bin/env bash
# Creates (or completes) the Python venv used by the interop tests: `bash setup_venv.sh VENV`.
#
# Installs pinned versions of qiskit + qiskit-qasm3-import (required: the script fails without
# them), cudaq (optional: CPU target `qpp-cpu`; when it cannot be installed or imported the script
# warns and goes on, and the interop test skips its CUDA-Q checks), localqpu[braket] (optional: the
# Braket REST emulator of tests/interop_localqpu.rs) and rdkit (for the chemistry interop checks).
# Idempotent: a package already present at its pinned version is not touched, and an existing venv
# is reused.
set -euo pipefail

venv="${1:?usage: setup_venv.sh VENV}"
python="${PYTHON:-python3}"

# name==version, one per line. numpy is pinned because qiskit, cudaq and rdkit all use it.
required=(
  "numpy==2.4.6"
  "qiskit==2.6.2"
  "qiskit-qasm3-import==0.6.0"
  "rdkit==2026.9.1"
)
# Optional, each installed on its own so that one that cannot be had does not hold back the rest:
# CUDA-Q, the Braket emulator, PennyLane (ansatz conventions), pytket (transpiler and routing
# comparisons), Qiskit Aer and qsimcirq (simulator comparisons), MQT Bench (benchmark circuits) and
# MQT QCEC (equivalence checking).
optional=(
  "cudaq==0.16.0.post1"
  "localqpu[braket]==0.3.0"
  "pennylane==0.45.1"
  "pytket==2.18.5"
  "qiskit-aer==0.18.2"
  "qsimcirq==0.22.1"
  "mqt.bench==2.3.0"
  "mqt-qcec==3.11.0"
)

log() { printf 'setup_venv: %s\n' "$*" >&2; }

if [ ! -x "$venv/bin/python" ]; then
  log "creating venv $venv with $("$python" --version 2>&1)"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi
vpy="$venv/bin/python"

# Prints the specs among "$@" that are not installed at exactly their pinned version.
missing() {
  "$vpy" - "$@" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version
for spec in sys.argv[1:]:
    name, pinned = spec.split("==")
    try:
        if version(name.split("[")[0]) == pinned:
            continue
    except PackageNotFoundError:
        pass
    print(spec)
PY
}

pip_install() {
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$vpy" -m pip install --quiet "$@"
}

mapfile -t todo < <(missing "${required[@]}")
if [ "${#todo[@]}" -gt 0 ]; then
  log "installing ${todo[*]}"
  pip_install "${todo[@]}"
else
  log "required packages present: ${required[*]}"
fi

mapfile -t todo < <(missing "${optional[@]}")
for spec in "${todo[@]}"; do
  log "installing (optional) $spec"
  # Keep numpy and qiskit at their pins while resolving each package's dependencies.
  if ! pip_install "$spec" "numpy==2.4.6" "qiskit==2.6.2"; then
    log "warning: could not install $spec; the checks that need it will be skipped"
  fi
done
[ "${#todo[@]}" -gt 0 ] || log "optional packages present: ${optional[*]}"

export PYTHONWARNINGS=ignore  # cudaq warns about preview APIs on import
"$vpy" -c 'import numpy, qiskit; print("numpy", numpy.__version__, "qiskit", qiskit.__version__)'
"$vpy" -c 'import rdkit; print("rdkit", rdkit.__version__)' || log "warning: rdkit does not import"
if ! "$vpy" -c 'import cudaq; cudaq.set_target("qpp-cpu"); print(cudaq.__version__)'; then
  log "warning: cudaq does not import here; the CUDA-Q checks will be skipped"
fi
log "venv ready: $venv ($(du -sh "$venv" | cut -f1), ${SECONDS} s)"

# A second, small venv with the RDKit release that matches Debian's librdkit-dev (2022.09), so
# that the chemistry interop test compares the same RDKit through two bindings rather than two
# RDKit releases (HBA, NumRings and stereo perception changed between releases). RDKit 2022.09
# was built against numpy 1.x.
rdkit_venv="${QATTNC_RDKIT_VENV:-$(dirname "$venv")/rdkit-venv}"
if [ ! -x "$rdkit_venv/bin/python" ]; then
  log "creating venv $rdkit_venv"
  "$python" -m venv "$rdkit_venv"
fi
if ! "$rdkit_venv/bin/python" -c 'import numpy, rdkit, sys; sys.exit(rdkit.__version__ != "2022.09.5" or numpy.__version__ != "1.26.4")' 2>/dev/null; then
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$rdkit_venv/bin/python" -m pip install --quiet \
    "rdkit==2022.9.5" "numpy==1.26.4"
fi
"$rdkit_venv/bin/python" -c 'import rdkit; print("rdkit (Debian-matched venv)", rdkit.__version__)'
