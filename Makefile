# mopkit — two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make demo   set up, then run the whole kit on the bundled sample merchant
#   make test   set up (incl. Chromium for the browser tests), then run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends

.PHONY: setup sysdeps sysdeps-test demo test bench clean notebooks

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# A font that draws Chinese in charts and PDFs (Debian: fonts-noto-cjk).
sysdeps:
	@fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { $(SUDO) apt-get update -q && $(APT) fonts-noto-cjk fontconfig; }

# Tests also need headless Chromium (browser tests) and pdftotext (PDF checks).
sysdeps-test: sysdeps
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || { $(SUDO) apt-get update -q && $(APT) chromium chromium-driver poppler-utils; }

setup: sysdeps $(STAMP)

demo: setup
	$(BIN)/mopkit demo

test: sysdeps-test $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider --timeout=600 tests

bench: setup
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

notebooks: $(STAMP)
	@for f in scripts/make_nb_*.py; do $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) runs .pytest_cache
