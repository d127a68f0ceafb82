"""The package's copy of lesson code is the lesson's: `python -m course export` keeps it so."""

import json

import pytest

from course.tools import export

NOTEBOOK = {"cells": [
    {"cell_type": "markdown", "source": ["#@save models\n", "not code"]},
    {"cell_type": "code", "source": ["#@save models\n", "def a():\n", "    return 1\n"]},
    {"cell_type": "code", "source": ["def unsaved():\n", "    pass\n"]},
    {"cell_type": "code", "source": ["#@save models\n", "def b():\n", "    return 2\n"]},
]}


def test_the_package_matches_the_lessons():
    assert export.export(check=True) == [], "run `python -m course export`"


def test_saved_cells_are_copied_in_order_and_checked(tmp_path):
    notebook, package = tmp_path / "07_demo.ipynb", tmp_path / "pkg"
    notebook.write_text(json.dumps(NOTEBOOK))
    package.mkdir()
    (package / "models.py").write_text('"""Models."""\n\nimport keras\n')
    assert export.export([notebook], package) == ["course/models.py <- 07_demo.ipynb"]
    text = (package / "models.py").read_text()
    assert "def a():\n    return 1\n\n\ndef b():\n    return 2" in text
    assert "unsaved" not in text and "not code" not in text
    assert export.export([notebook], package, check=True) == []

    cells = json.loads(notebook.read_text())
    cells["cells"][1]["source"][2] = "    return 10\n"  # the lesson changes
    notebook.write_text(json.dumps(cells))
    assert export.export([notebook], package, check=True) == ["course/models.py <- 07_demo.ipynb"]
    assert "return 1\n" in (package / "models.py").read_text()  # check writes nothing
    export.export([notebook], package)
    text = (package / "models.py").read_text()
    assert "return 10" in text and text.count("# >>> from notebooks/07_demo.ipynb") == 1
    assert text.startswith('"""Models."""\n\nimport keras\n')


def test_saving_into_a_module_that_does_not_exist_says_so(tmp_path):
    notebook = tmp_path / "07_demo.ipynb"
    notebook.write_text(json.dumps(NOTEBOOK))
    with pytest.raises(ValueError, match="course/models.py, which does not exist"):
        export.export([notebook], tmp_path)


def test_an_exercise_s_solution_is_saved_without_its_markers(tmp_path):
    notebook = tmp_path / "01_x.ipynb"
    source = ("#@save ops\ndef twice(x):\n    \"\"\"Twice x.\"\"\"\n    ### BEGIN SOLUTION\n"
              "    return 2 * x\n    ### END SOLUTION")
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
    [saved] = export.saved_cells(notebook)["ops"]
    assert saved == 'def twice(x):\n    """Twice x."""\n    return 2 * x'
