"""The package's shape: README's module table matches the tree, no import cycles, and the
commands that do not train never load TensorFlow."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "course"


def modules() -> dict[str, Path]:
    """Module name relative to ``course`` (``ops``, ``runtime.paths``) -> its file."""
    return {".".join(p.relative_to(PACKAGE).with_suffix("").parts): p
            for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__")}


ROLES = {"runtime": "runtime: what a lesson's first cell and its data need",
         "tools": "tooling: instructors, CI, maintainers"}


def test_readme_names_every_module_by_role_and_no_other():
    section = (ROOT / "README.md").read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("| "))
    listed = {name for name in re.findall(r"`([\w.]+)`", table) if not name.startswith("course")}
    expected = {name for name in modules() if not name.startswith("check.")}
    assert listed | {"check"} >= expected, f"missing from README's layout table: " \
        f"{sorted(expected - listed)}"
    assert listed <= set(modules()) | {"check"}, \
        f"README lists modules that do not exist: {sorted(listed - set(modules()) - {'check'})}"


def test_each_subpackage_holds_one_role_and_lessons_never_import_tooling():
    for name in modules():
        top = name.split(".")[0]
        if top in ROLES:
            row = next(line for line in (ROOT / "README.md").read_text().splitlines()
                       if f"`{name}`" in line and line.startswith("| "))
            assert row.startswith(f"| {ROLES[top].split(':')[0]}"), (name, row)
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert "course.tools" not in notebook.read_text(), f"{notebook.name} imports tooling"
    for name, path in modules().items():
        if not name.startswith("tools."):
            assert "course.tools" not in path.read_text().replace("``course.tools", ""), \
                f"course.{name} imports tooling"


def imports(path: Path) -> set[str]:
    """The course modules ``path`` imports anywhere: at the top and inside its functions."""
    known, names = modules(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course"):
            base = node.module.removeprefix("course").lstrip(".")
            if base in known:
                names.add(base)
            else:
                names |= {f"{base}.{a.name}".lstrip(".") for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.removeprefix("course.") for a in node.names
                      if a.name.startswith("course.")}
    return names & set(known)


def test_no_import_cycles():
    """No module imports one that imports it back, not even inside a function: a cycle
    means two layers that each need the other, whichever import happens first."""
    graph = {name: imports(path) - {name} for name, path in modules().items()}

    def visit(name, trail):
        if name in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(name):], name]))
        for other in graph[name]:
            visit(other, [*trail, name])

    for name in graph:
        visit(name, [])


def test_runtime_imports_only_runtime():
    """What a lesson's first cell needs stands on its own: no teaching module (models, ops,
    train...) is loaded by the machinery, even inside a function."""
    for name, path in modules().items():
        if name.startswith("runtime."):
            outside = sorted(m for m in imports(path) if not m.startswith("runtime."))
            assert not outside, f"course.{name} imports course.{', course.'.join(outside)}"


def python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter in the checkout (which must succeed)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("argv", [["--help"], ["catalogue"], ["export", "--check"], ["doctor"],
                                  ["student", "--out", "{tmp}"]], ids=" ".join)
@pytest.mark.slow
def test_commands_that_do_not_train_never_load_tensorflow(argv, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path / "students")) for a in argv]
    code = ("import runpy, sys\n"
            f"sys.argv = ['course', *{argv!r}]\n"
            "try:\n    runpy.run_module('course', run_name='__main__')\n"
            "except SystemExit as done:\n    assert not done.code, done.code\n"
            "print('tensorflow loaded:', 'tensorflow' in sys.modules)\n")
    assert python(code).rstrip().endswith("tensorflow loaded: False")


def test_subpackages_load_their_modules_on_first_use_without_tensorflow():
    code = ("import sys, course\n"
            "assert course.runtime.paths.ROOT and course.tools.export.MARKER\n"
            "try:\n    course.runtime.no_such_module\nexcept AttributeError as e:\n    print(e)\n"
            "print('tensorflow loaded:', 'tensorflow' in sys.modules)\n")
    assert python(code).splitlines() == [
        "module 'course.runtime' has no attribute 'no_such_module'", "tensorflow loaded: False"]


def test_the_package_lists_its_modules_for_tab_completion():
    names = python("import course; print(*dir(course))").split()
    assert {"data", "ops", "models", "train", "viz", "runtime", "tools", "check"} <= set(names)
    assert {"importlib", "os"}.isdisjoint(names), "implementation details are not modules"


@pytest.mark.slow
def test_drawing_an_explorer_does_not_import_monitor_or_tensorflow():
    code = ("import sys\n"
            "import matplotlib\nmatplotlib.use('Agg')\n"
            "from course import explore\n"
            "explore.explore_arithmetic(n=5, f=3)\n"
            "explore.explore_pooling(size=2)\n"
            "print('monitor:', 'course.monitor' in sys.modules)\n")
    assert python(code).splitlines()[-1] == "monitor: False"
