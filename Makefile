# The one interface that people and CI share.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL_INPUTS := $(shell find data domain config.yml -type f 2>/dev/null)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup run train test lint validate eval bench kb clean

$(VENV)/.installed: pyproject.toml
	@bash scripts/setup.sh
	@touch $@

setup: $(VENV)/.installed

# Retrain only when training data, domain or config are newer than the model.
models/current.tar.gz: $(MODEL_INPUTS) | $(VENV)/.installed
	$(PY) -m bot.kb.export
	$(RASA) train --fixed-model-name current --out models

train: setup models/current.tar.gz

run: setup models/current.tar.gz
	$(PY) -m bot.run

test: setup models/current.tar.gz
	$(PY) -m pytest -q
	$(RASA) data validate --fail-on-warnings
	$(RASA) test core --model models/current.tar.gz --stories tests/stories --fail-on-prediction-errors --out results/core

validate: setup
	$(PY) -m bot.kb.export --check
	$(RASA) data validate --fail-on-warnings

eval: setup models/current.tar.gz
	$(PY) -m bot.evaluation

bench: setup models/current.tar.gz
	$(PY) -m bot.benchmarks

lint: setup
	$(VENV)/bin/ruff check bot actions tests

clean:
	rm -rf models results .pytest_cache
