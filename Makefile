# Two commands on a fresh Debian 12 machine: `make up` serves, `make test` runs the whole suite.
# Both install what is missing (Docker engine, Redis, debootstrap, gVisor), start dockerd,
# build the sandbox image (offline from Debian's mirror when no registry answers) and the venv.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test lint format host images venv bench clean

up: host images venv
	$(BIN)/proctor up

test: host images venv lint
	$(BIN)/pytest

bench: host images venv
	$(BIN)/pip install -q --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/bench_service.py
	$(BIN)/python benchmarks/bench_matrix.py
	$(BIN)/python benchmarks/bench_pieces.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

host:
	bash scripts/setup-host.sh

images: host
	bash scripts/build-images.sh

venv: $(STAMP)

# torch first, pinned to the CPU build on this kind of machine: the trainer's torch range admits it,
# so nothing pulls a multi-GB CUDA build in its place.
$(STAMP): pyproject.toml client/pyproject.toml trainer/pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e ./client -e '.[test]' -e ./trainer
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
