# The course's commands. `make course` runs every lesson headless; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install course test lab lint student site

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv if missing and install the pinned requirements + course

course: $(STAMP)  ## run every lesson headless; LESSONS="02 05" runs some; report in build/
	$(PY) -m course run $(LESSONS)

test: $(STAMP)  ## unit tests, notebook checks and nbval over notebooks/ in the smoke profile
	COURSE_PROFILE=smoke $(PY) -m pytest --junitxml=build/pytest.xml

lab: $(STAMP)  ## JupyterLab on the course
	$(VENV)/bin/jupyter lab notebooks/

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and notebooks
	$(VENV)/bin/ruff check .

student: $(STAMP)  ## student versions of every lesson -> build/student/ (FORCE=1 to overwrite)
	$(PY) -m course student $(if $(FORCE),--force)

site: $(STAMP)  ## the course as static HTML with the exercise catalogue -> build/site/
	$(PY) -m course site
