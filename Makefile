# jixiao: two commands on a fresh machine (see README):
#   make demo   installs what jixiao needs, scores (and reports on) the bundled seed case, then serves the web demo
#   make test   runs the full test suite
PY ?= python3
APT_PACKAGES = libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk fonts-arphic-gkai00mp \
               fonts-wqy-zenhei poppler-utils libharfbuzz-subset0 chromium
EXAMPLE = examples/shenzhen-sibao-2020/case.yaml

.PHONY: setup system python demo test bench lint

setup: system python

# Debian packages for PDF rendering and CJK fonts; skipped when already installed.
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "请安装系统软件包：$$missing"; fi; \
	fi

python:
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,spark]'

demo: setup
	jixiao score $(EXAMPLE)
	jixiao report $(EXAMPLE) -o out/shenzhen-sibao-2020
	jixiao serve --demo --data out/demo-store

# The whole suite (store tests on SQLite), then the store tests again on a private PostgreSQL.
# The bad-input corpus runs under an address-space cap: one of its hostile files exhausted a 24 GiB
# machine when run uncapped (found at the end of the session; the culprit is still to be bounded).
test:
	$(PY) -m pytest --ignore=tests/test_intake_bad_inputs.py
	ulimit -v 6000000 && $(PY) -m pytest tests/test_intake_bad_inputs.py
	PY=$(PY) tests/store/run_on_postgres.sh

bench:
	$(PY) benchmarks/batch.py

# Lint: ruff's rule set, mypy over core/, and the layer contracts (all configured in pyproject.toml).
lint:
	$(PY) -m ruff check src tests
	PYTHONPATH=src $(PY) -m mypy
	PYTHONPATH=src lint-imports
