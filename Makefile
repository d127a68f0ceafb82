# The course's commands. `make course` runs every lesson headless; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install course test test-fast test-colab test-jax other-envs lab lint notebooks student site

# Installs go through uv, which pip installs first: it fetches the pinned wheels in parallel
# and compiles them, about 40 s for the TensorFlow environment where pip took 73 s on the
# 2-core machine (compiled, as pip does: a lesson's imports would compile them otherwise).
# It trusts the system's certificates, as pip does; where uv still cannot install (a proxy
# it cannot pass, a platform without its wheel), pip installs the same pins.
UV_VERSION := 0.13.9
define uv_install  # $(1): the environment's folder; $(2): what to install there
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
		&& $(1)/bin/python -m uv pip install --quiet --system-certs --compile-bytecode \
			--python $(1)/bin/python $(2) \
		|| { echo "uv could not install $(2): pip installs it instead"; \
			$(1)/bin/python -m pip install --quiet --disable-pip-version-check $(2); }
endef

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call uv_install,$(VENV),-r requirements.txt -e .)
	touch $(STAMP)

install: $(STAMP)  ## create .venv if missing and install the pinned requirements + course

course: $(STAMP)  ## run every lesson headless; LESSONS="02 05" runs some; report in build/
	$(PY) -m course run $(LESSONS)

# Tests run on every core (at most 4: each worker holds TensorFlow and its kernels); a
# notebook's cells and a module's shared fixtures stay on one worker (tests/conftest.py).
XDIST := -n auto --maxprocesses=4 --dist loadgroup

test: $(STAMP)  ## unit tests, notebook checks and nbval over notebooks/ in the smoke profile
	COURSE_PROFILE=smoke $(PY) -m pytest $(XDIST) --durations=15 --junitxml=build/pytest.xml

test-fast: $(STAMP)  ## the edit loop: unit tests without kernels, slow tests or nbval, one draw each (make test runs all)
	COURSE_PROFILE=smoke COURSE_TEST_ONE_DRAW=1 $(PY) -m pytest $(XDIST) tests -m "not kernel and not slow" --durations=10

# Colab's versions (requirements-colab.txt), the oldest the course supports, in their own
# environment; Python 3.13 as on Colab when there is one.
COLAB_VENV := .venv-colab
COLAB_PYTHON ?= $(shell command -v python3.13 >/dev/null 2>&1 && python3.13 -c '' 2>/dev/null \
	&& echo python3.13 || ls $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | head -1)
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_TESTS ?= notebooks tests/test_ops.py tests/test_models.py tests/test_train.py \
	tests/test_data.py tests/test_setup.py tests/test_runs.py tests/test_check_core.py

$(COLAB_STAMP): requirements-colab.txt pyproject.toml
	test -x $(COLAB_VENV)/bin/python || $(or $(COLAB_PYTHON),$(PYTHON)) -m venv $(COLAB_VENV)
	$(call uv_install,$(COLAB_VENV),-r requirements-colab.txt -e .)
	touch $(COLAB_STAMP)

# Students run the lessons and their student versions on Colab; instructors grade in the
# course's own environment (make install), so the grade's judge over every lesson
# (FullMarks in tests/conftest.py) runs in `make test` only.
test-colab: $(COLAB_STAMP)  ## the lessons (nbval, smoke) and core unit tests on Colab's versions
	COURSE_PROFILE=smoke COURSE_TEST_GRADING=0 $(COLAB_VENV)/bin/python -m pytest $(XDIST) \
		$(COLAB_TESTS) --junitxml=build/pytest-colab.xml

# The backend-neutral modules on Keras' JAX backend, in an environment without TensorFlow
# (requirements-jax.txt): their unit tests (conftest fails any that imports TensorFlow)
# and the recipe benchmark at its smoke size.
JAX_VENV := .venv-jax
JAX_STAMP := $(JAX_VENV)/.installed
JAX_TESTS ?= tests/test_models.py tests/test_cost.py tests/test_data.py tests/test_speed.py \
	tests/test_neutral_train.py tests/test_benchmarks.py

$(JAX_STAMP): requirements-jax.txt pyproject.toml
	test -x $(JAX_VENV)/bin/python || $(PYTHON) -m venv $(JAX_VENV)
	$(call uv_install,$(JAX_VENV),-r requirements-jax.txt)
	$(call uv_install,$(JAX_VENV),--no-deps -e .)
	touch $(JAX_STAMP)

test-jax: $(JAX_STAMP)  ## the neutral modules' tests and the recipe benchmark (smoke) on JAX
	KERAS_BACKEND=jax COURSE_PROFILE=smoke $(JAX_VENV)/bin/python -m pytest \
		-o addopts="-ra -p no:cacheprovider" $(XDIST) $(JAX_TESTS) --junitxml=build/pytest-jax.xml
	KERAS_BACKEND=jax $(JAX_VENV)/bin/python benchmarks/recipe_bench.py --smoke --no-tensorflow

other-envs: $(COLAB_STAMP) $(JAX_STAMP)  ## install Colab's and JAX's environments only

lab: $(STAMP)  ## JupyterLab on the course
	$(VENV)/bin/jupyter lab notebooks/

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and notebooks
	$(VENV)/bin/ruff check .

notebooks: $(STAMP)  ## put the committed notebooks in normal form (no timestamps, small figures)
	$(PY) -m course normalize

student: $(STAMP)  ## student versions of every lesson -> build/student/ (FORCE=1 to overwrite)
	$(PY) -m course student $(if $(FORCE),--force)

site: $(STAMP)  ## the course as static HTML with the exercise catalogue -> build/site/
	$(PY) -m course site
