# The two commands a newcomer runs: `make demo` and `make test`. Everything else is below them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make install PROFILE=prod`: the service and the scaled extra only (no dev tools, no AGPL NudeNet).
PROFILE ?= dev
EXTRAS := $(if $(filter prod,$(PROFILE)),scaled,dev,triage,scaled)

.PHONY: install demo test test-fast lint bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
ifeq ($(PROFILE),prod)
	$(BIN)/pip install -q '.[$(EXTRAS)]'
else
	$(BIN)/pip install -q -e '.[$(EXTRAS)]'
	# axe-core for the accessibility tests (tests/ui), into a cache folder: no node_modules or lock in git.
	npm install --no-save --no-package-lock --prefix .cache/npm axe-core@4.10.3
	# face_recognition's metadata asks for dlib built from source; dlib-bin (in the extra) provides it.
	$(BIN)/pip install -q --no-deps face_recognition==1.3.0
endif
	touch $(STAMP)

demo: install
	$(BIN)/takedown demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python scripts/lint_catalogues.py

test: lint
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/pytest -q -m "not slow" -p no:cacheprovider

bench: install
	bash scripts/bench-deps.sh
	$(BIN)/python bench/run.py

screenshots: install
	$(BIN)/python -m takedown.web.ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pgtest takedown-data bench/results
