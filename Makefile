# The one interface that people and CI share.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/current.tar.gz
# Rasa's inputs: the hand-written domain.yml, and training data with the generated responses
# (data/responses, data/kb and data/canned are their sources, not Rasa files).
DOMAIN := domain.yml
TRAINING_DATA := data/nlu data/rules data/generated
MODEL_INPUTS := $(shell find data -type f -name '*.yml' 2>/dev/null) $(DOMAIN) config.yml \
	$(wildcard bot/runtime/nlu/*.py bot/text/*.py)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export PYTHONWARNINGS := ignore
# Long targets show their steps; third-party output goes to results/logs/ (VERBOSE=1 shows it).
PROGRESS = $(PY) -m bot.tools.progress $(if $(VERBOSE),--verbose)

.PHONY: setup run cluster train test test-deps deploy example lint validate eval bench domain clean

$(VENV)/.installed: pyproject.toml scripts/setup.sh scripts/encoder-requirements.txt
	@bash scripts/setup.sh
	@touch $@

setup: $(VENV)/.installed

# Bot messages and FAQ answers are generated from data/responses/ and data/kb/.
GENERATED := data/generated/responses.yml data/generated/faq.yml
$(GENERATED) &: $(wildcard data/kb/*.yml data/responses/*.yml) | $(VENV)/.installed
	$(PY) -m bot.tools.domain_export
	@touch $(GENERATED)

domain: $(GENERATED)

# Retrain only when training data, domain, config or the custom classifier changed.
$(MODEL): $(MODEL_INPUTS) $(GENERATED) | $(VENV)/.installed
	$(PROGRESS) train -- $(RASA) train --domain $(DOMAIN) --data $(TRAINING_DATA) \
		--fixed-model-name current --out models
	@touch $@

train: setup $(MODEL)

run: setup $(MODEL)
	$(PY) -m bot.tools.run

# PostgreSQL, Redis, nginx, three Rasa replicas and two consoles on localhost (docs/deployment.md).
cluster: setup test-deps $(MODEL)
	$(PY) -m bot.tools.cluster

test-deps:
	@bash scripts/install-test-deps.sh

test: setup test-deps $(MODEL)
	$(PY) -m bot.tools.domain_export --check
	$(PY) -m bot.tools.checks
	$(RASA) data validate --domain $(DOMAIN) --data $(TRAINING_DATA) --fail-on-warnings
	$(PY) -m pytest
	$(RASA) test core --model $(MODEL) --stories tests/stories \
		--fail-on-prediction-errors --out results/core

validate: setup
	$(PY) -m bot.tools.domain_export --check
	$(PY) -m bot.tools.checks
	$(PROGRESS) validate -- $(RASA) data validate --domain $(DOMAIN) --data $(TRAINING_DATA) \
		--fail-on-warnings

eval: setup $(MODEL)
	$(PROGRESS) eval -- $(PY) -m bot.tools.evaluation

# Switch a running server (make run) to the newest model without a restart.
deploy: setup $(MODEL)
	$(PY) -m bot.tools.deploy

# Add a training example: make example LABEL=product_info LANG=fi TEXT='onko [sadetakki](product) M-koossa'
# TEXT reaches the Python module through the environment exactly as typed (entity markup,
# quotes and $ intact); LANG counts only when given on make's command line (not the locale's).
ifdef TEXT
override TEXT := $(value TEXT)
export TEXT
endif
example: setup
	$(PY) -m bot.tools.add_example --label "$(LABEL)" \
		--language "$(if $(filter command line,$(origin LANG)),$(LANG),en)"

bench: setup test-deps $(MODEL)
	$(PROGRESS) bench -- $(PY) -m bot.tools.benchmarks

lint: setup
	$(VENV)/bin/ruff check bot actions tests

clean:
	rm -rf models results .pytest_cache .rasa
