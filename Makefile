# ccproject: `make run` starts the service on its embedded defaults; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test fuzz soak install install-dev migrate bootstrap admin lint format clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable

bootstrap: migrate
	$(BIN)/python manage.py bootstrap --base-url http://$(HOST):$(PORT)

# A staff user for the admin site, the browsable API and the /register/ form (asks for a password).
admin: migrate
	$(BIN)/python manage.py createsuperuser

# runserver is threaded, so the API can fetch the embedded issuer's keys from itself.
run: bootstrap
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# The pictures of the README and docs/: run the browser tests, keep their named screenshots.
SCREENSHOTS := swagger-ui-authorize swagger-ui-hello browsable-api-401 admin-registered-clients browsable-api-register
screenshots: install-dev
	$(BIN)/python -m pytest tests/e2e/browser -q
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp test-artifacts/$$name.png docs/screenshots/; done

# A long randomized run of the hostile-input properties (CI runs a short derandomized one).
fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/api/test_hostile_input.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .coverage htmlcov
