# ziya-data: `make demo` and `make test` set themselves up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KENLM  := $(VENV)/kenlm/bin/lmplz
# Jars from Maven Central (tools/maven/*/pom.xml), fetched by mvn once per pom.
JARS   := $(VENV)/jars
JAR_SETS := $(JARS)/delta/.pom.sha256 $(JARS)/s3/.pom.sha256 $(JARS)/s3proxy/.pom.sha256
BENCH_DOCS ?= 20000
DEMO_DOCS  ?= 4000

export PYSPARK_PYTHON := $(abspath $(PY))
export PYSPARK_DRIVER_PYTHON := $(abspath $(PY))

.PHONY: setup demo test bench bench-scale lint clean-lake

CHROMIUM := $(VENV)/.chromium

AIRFLOW := $(VENV)/airflow/.installed

setup: $(STAMP) $(KENLM) $(CHROMIUM) $(JAR_SETS)

# Re-installs only when pyproject.toml changes; otherwise a no-op.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[local,dev,embed]'
	touch $(STAMP)

# KenLM's trainer (lmplz, build_binary), built once from the kenlm sdist on PyPI.
$(KENLM): | $(STAMP)
	PIP=$(VENV)/bin/pip tools/build-kenlm.sh $(VENV)/kenlm/bin

# Delta Lake's jars, Spark's S3 connector, and an S3 server for the object-store tests.
$(JARS)/s3proxy/.pom.sha256: tools/maven/s3proxy/pom.xml | $(STAMP)
	tools/fetch-jars.sh s3proxy $(JARS)/s3proxy $(PY) --keep-all
$(JARS)/%/.pom.sha256: tools/maven/%/pom.xml | $(STAMP)
	tools/fetch-jars.sh $* $(JARS)/$* $(PY)

# Airflow 3 and the Spark provider in their own virtualenv (their pins are not ours), with
# the project on its path (no dependencies: the DAG factory needs only Airflow's).
$(AIRFLOW): pyproject.toml | $(STAMP)
	test -x $(VENV)/airflow/bin/python || $(PYTHON) -m venv $(VENV)/airflow
	$(VENV)/airflow/bin/pip install --quiet --disable-pip-version-check \
	  apache-airflow==3.3.2 apache-airflow-providers-apache-spark==6.3.4
	$(VENV)/airflow/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(AIRFLOW)

# Headless Chromium for the report-rendering test (apt as root; skipped otherwise).
$(CHROMIUM): | $(STAMP)
	tools/install-chromium.sh
	touch $(CHROMIUM)

demo: setup
	$(PY) -m demo.corpus --docs $(DEMO_DOCS) --out demo-data
	$(VENV)/bin/ziya-data --lake lake --set train_lm.input=demo-data/reference train-lm
	$(VENV)/bin/ziya-data --lake lake --set ingest.input=demo-data/corpus \
	  --set score.references.science=demo-data/benchmarks/science.jsonl pipeline
	$(PY) -m demo.summary --lake lake

# Two pytest-xdist workers, each test file whole on one (its module fixtures built once;
# the whole-pipeline session fixtures are shared, see tests/conftest.py): 8-10 min on
# 2 cores against 10.7 in one process. TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2
test: setup $(AIRFLOW)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

BENCH_MB ?= 100
TEXT_DEDUP := $(VENV)/textdedup/.installed

# text-dedup, the single-machine tool dedup is measured against, in its own virtualenv.
$(TEXT_DEDUP): | $(STAMP)
	test -x $(VENV)/textdedup/bin/python || $(PYTHON) -m venv $(VENV)/textdedup
	$(VENV)/textdedup/bin/pip install --quiet --disable-pip-version-check text-dedup==0.4.0
	touch $(TEXT_DEDUP)

bench: setup $(TEXT_DEDUP)
	$(PY) -m bench.run --docs $(BENCH_DOCS)
	$(PY) -m bench.dedup_scaling --docs $(BENCH_DOCS)
	$(PY) -m bench.run --corpus real --mb $(BENCH_MB) --pipeline
	$(PY) -m bench.dedup_compare --mb $(BENCH_MB)

# The whole pipeline on the real-text corpus at 10k, 100k and 1M documents (7-8
# minutes on 2 cores; the 1M corpus is 656 MB of text).
bench-scale: setup
	$(PY) -m bench.scale

lint: setup
	$(VENV)/bin/ruff check ziya_data demo bench tests tools
	$(VENV)/bin/ruff format --check ziya_data demo bench tests tools

clean-lake:
	rm -rf lake demo-data bench/out
