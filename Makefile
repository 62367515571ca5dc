# qattnc — set-up, build, test. `make demo` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
CARGO ?= cargo
APT_PACKAGES := librdkit-dev libboost-dev libboost-serialization-dev
# Where `make interop` keeps its Python venv (qiskit, qiskit-qasm3-import, rdkit and optional packages); the interop
# tests look here and skip, saying so, when it is absent.
INTEROP_VENV ?= $(HOME)/.cache/qattnc/interop-venv
export QATTNC_INTEROP_VENV := $(INTEROP_VENV)
export QATTNC_RDKIT_VENV ?= $(dir $(INTEROP_VENV))rdkit-venv
DEMO_DIR := target/demo
# The demo's training data: 20,000 QM9 molecules shipped in the repository (examples/data/).
DEMO_DATA := examples/data/qm9_20k.csv
# Epochs of the demo's quantum model (≈ 70 steps each at batch 256; a few minutes on 2 cores).
DEMO_EPOCHS ?= 6
# `make results`: QM9 (the shipped models' training data) and the paper's released results.
QM9 ?= ../shared/data/qm9/qm9.csv
PAPER ?= ../shared/data/paper
# Queries per protocol run (the paper: 100,000) and where the tables go.
RESULTS_N ?= 100000
RESULTS_DIR ?= docs/results

.PHONY: setup build demo test interop results results-recommended results-constrained results-rejection-control results-partial lint fmt clean

## setup: install the Debian packages the build needs (RDKit, Boost) when they are missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }

build: setup
	$(CARGO) build --release --locked

## demo: build; compile the paper's two attention layers (embedded presets) and print statistics;
## train a small quantum model on the shipped QM9 subset, sample 1,000 molecules for MW = 120,
## print their metrics and draw the attention map of one molecule.
demo: build
	@mkdir -p $(DEMO_DIR)
	@for layer in paper_sequence paper_conditional; do \
	  for level in 0 3; do \
	    ./target/release/qattnc compile --preset $$layer -O$$level -o $(DEMO_DIR)/$$layer.O$$level.qasm --stats || exit 1; \
	  done; \
	  ./target/release/qattnc compile --preset $$layer -o $(DEMO_DIR)/$$layer.py || exit 1; \
	  ./target/release/qattnc compile --preset $$layer -o $(DEMO_DIR)/$$layer.cpp || exit 1; \
	done
	@echo "== training paper-quantum-conditional on $(DEMO_DATA) for $(DEMO_EPOCHS) epochs"
	@rm -rf $(DEMO_DIR)/model
	./target/release/qattnc train --preset paper-quantum-conditional --data $(DEMO_DATA) \
	  --out $(DEMO_DIR)/model --epochs $(DEMO_EPOCHS) --seed 1
	@echo "== sampling 1,000 molecules conditioned on MW = 120 (other properties imputed, k = 5)"
	./target/release/qattnc sample --checkpoint $(DEMO_DIR)/model --n 1000 --MW 120 --seed 1 \
	  -o $(DEMO_DIR)/samples.csv
	./target/release/qattnc attention --checkpoint $(DEMO_DIR)/model --smiles 'CC(=O)NCC#N' \
	  -o $(DEMO_DIR)/attention.png
	@echo "demo outputs in $(DEMO_DIR)/ (model/ with loss.png, samples.csv, attention.png)"

## test: set up, then run every test (interop tests skip, saying so, without the venv).
test: setup
	$(CARGO) test --locked

## interop: create the Python venv and run the cross-checks against Qiskit, PennyLane, CUDA-Q,
## Qiskit Aer, localqpu and RDKit.
interop:
	bash tests/interop/setup_venv.sh "$(INTEROP_VENV)"
	$(CARGO) test --locked --test interop --test interop_rdkit --test interop_localqpu --test interop_layers \
	  --test interop_targets --test interop_simulate --test qasm_interop -- --nocapture

## results: the paper's sampling protocol (100,000 queries per run) on the six shipped models,
## written to docs/results/<model>.{md,csv} (conditional models also with --impute draw, to
## <model>-draw.*); about 1 h on 2 cores. `make results RESULTS_N=100 RESULTS_DIR=/tmp/r` is a quick check.
results: build
	@mkdir -p $(RESULTS_DIR)
	@for attention in quantum classical classical-eq; do \
	  for kind in conditional sequence; do \
	    model=paper-$$attention-$$kind; paper=""; \
	    if [ $$kind = conditional ]; then paper="--paper $(PAPER)/$${attention//-/_}_conditions_overall.csv"; fi; \
	    echo "== $$model"; \
	    ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) $$paper \
	      --markdown $(RESULTS_DIR)/$$model.md --csv $(RESULTS_DIR)/$$model.csv || exit 1; \
	    if [ $$kind = conditional ]; then \
	      ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) $$paper \
	        --impute draw --markdown $(RESULTS_DIR)/$$model-draw.md --csv $(RESULTS_DIR)/$$model-draw.csv || exit 1; \
	    fi; \
	  done; \
	done

## results-recommended: the same protocol on issue 17's four recommended models (quantum and
## classical, sequence and conditional), conditional ones also with --impute draw and on a
## LogP × TPSA grid (draw, to <model>-grid.*); about 3 h on 2 cores.
results-recommended: build
	@mkdir -p $(RESULTS_DIR)
	@for attention in quantum classical; do \
	  for kind in sequence conditional; do \
	    model=$$attention-$$kind; \
	    echo "== $$model"; \
	    if [ $$kind = sequence ]; then \
	      ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) \
	        --markdown $(RESULTS_DIR)/$$model.md --csv $(RESULTS_DIR)/$$model.csv || exit 1; \
	      continue; \
	    fi; \
	    paper="--paper $(PAPER)/$${attention}_conditions_overall.csv"; \
	    for impute in knn draw; do \
	      suffix=""; [ $$impute = draw ] && suffix=-draw; \
	      ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) $$paper \
	        --impute $$impute --markdown $(RESULTS_DIR)/$$model$$suffix.md --csv $(RESULTS_DIR)/$$model$$suffix.csv || exit 1; \
	    done; \
	    ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) \
	      --grid LogP,TPSA --impute draw --markdown $(RESULTS_DIR)/$$model-grid.md --csv $(RESULTS_DIR)/$$model-grid.csv || exit 1; \
	  done; \
	done

## results-constrained: the protocol with constrained decoding (--constrain) on the four
## recommended models: sequence models to <model>-constrained.*, conditional ones with
## --impute draw to <model>-draw-constrained.*; about 3.5 h on 2 cores.
results-constrained: build
	@mkdir -p $(RESULTS_DIR)
	@for model in quantum-sequence classical-sequence; do \
	  echo "== $$model"; \
	  ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) --constrain \
	    --markdown $(RESULTS_DIR)/$$model-constrained.md --csv $(RESULTS_DIR)/$$model-constrained.csv || exit 1; \
	done
	@for attention in quantum classical; do \
	  model=$$attention-conditional; \
	  echo "== $$model"; \
	  ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) --constrain \
	    --impute draw --paper $(PAPER)/$${attention}_conditions_overall.csv \
	    --markdown $(RESULTS_DIR)/$$model-draw-constrained.md --csv $(RESULTS_DIR)/$$model-draw-constrained.csv || exit 1; \
	done

# rejection-control-protocol(SUFFIX,IMPUTE): the protocol of quantum-conditionalSUFFIX and
# classical-conditionalSUFFIX with constrained decoding, rejection control at level 0.1 and
# --impute IMPUTE, two runs at a time, to <model>-IMPUTE-rejection-control.{md,csv}.
define rejection-control-protocol
	@mkdir -p $(RESULTS_DIR)
	@for attention in quantum classical; do \
	  model=$$attention-conditional$(1); \
	  echo "== $$model"; \
	  ./target/release/qattnc protocol --checkpoint models/$$model --data $(QM9) --n $(RESULTS_N) --constrain \
	    --rejection-level 0.1 --jobs 2 --impute $(2) --paper $(PAPER)/$${attention}_conditions_overall.csv \
	    --markdown $(RESULTS_DIR)/$$model-$(2)-rejection-control.md \
	    --csv $(RESULTS_DIR)/$$model-$(2)-rejection-control.csv || exit 1; \
	done
endef

## results-rejection-control: the conditional pair's draw protocol with constrained decoding and
## rejection control at level 0.1, to <model>-draw-rejection-control.*; about 1.5 h per model
## on 2 cores.
results-rejection-control: build
	$(call rejection-control-protocol,,draw)

## results-partial: the partial-conditions pair asked for each target alone (--impute none), the
## same way, to <model>-none-rejection-control.*; about 1 h per model on 2 cores.
results-partial: build
	$(call rejection-control-protocol,-partial,none)

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt

clean:
	$(CARGO) clean
