# cadre360 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: fuzz run test lint format bench chromium clean calendar mutate

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: install, migrate the embedded SQLite database, load the demo county, serve on :8000
run: $(STAMP)
	$(BIN)/cadre360 migrate
	$(BIN)/cadre360 demo --if-empty
	$(BIN)/cadre360 serve

## test: the whole suite (browser tests included; PostgreSQL leg when TEST_POSTGRES_URL is set),
## on both cores: a test file runs whole on one worker (its module fixtures built once)
test: $(STAMP) chromium
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=20

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

## chromium: Debian's chromium (+ a CJK font for screenshots) for the browser tests, and
## poppler-utils to read PDFs back as text and images; playwright cannot download its own
## browser here
chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
	   && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  echo "installing Debian chromium, fonts-wqy-microhei and poppler-utils for the tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    chromium fonts-wqy-microhei poppler-utils >/dev/null; }

## fuzz: longer runs of the bounded fuzzers in make test — schemathesis against the JSON API,
## generated workbooks against the imports, the anonymity attacker over 5,000 cycles
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} ATTACKER_EXAMPLES=$${ATTACKER_EXAMPLES:-5000} \
	  $(BIN)/pytest -q tests/web/test_api_fuzz.py \
	  tests/security/test_spreadsheet_fuzz.py tests/security/test_toml_fuzz.py \
	  tests/evaluation/test_release_attacker.py

## mutate: mutation testing (mutmut) of the pure modules that decide outcomes — scoring, tiers,
## clusters, cards, plausibility, 公示 and appeal dates, the profile and overall rules — with
## the tests that guard them ([tool.mutmut] in pyproject.toml); lists the surviving mutants
mutate: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/mutmut results | tee mutants/survivors.txt

## calendar: the demo loaded on fourteen days over two years at both sizes (the suite runs the
## small county on those days, and the default one on the real date)
calendar: $(STAMP)
	DEMO_DAYS_FULL=1 $(BIN)/pytest -q tests/calendar/test_demo_any_day.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: speed figures as ratios against baselines measured in the same run, then one JSON
## line with all of them and which of issue 34's targets this machine met
## (set BENCH_POSTGRES_URL to add the PostgreSQL leg of the submission load; it empties that database)
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/*.sqlite* .pytest_cache .mypy_cache .ruff_cache
