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
    found = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    found.update({f"check.{p.stem}": p for p in (PACKAGE / "check").glob("*.py")
                  if p.stem != "__init__"})
    return found


def test_readme_names_every_module_by_role_and_no_other():
    section = (ROOT / "README.md").read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("| "))
    listed = set(re.findall(r"`(\w+)`", table)) - {"course"}
    assert listed | {"check"} >= {name for name in modules() if "." not in name}, \
        "a module is missing from README's layout table"
    assert listed <= set(modules()) | {"check"}, "README lists a module that does not exist"


def top_level_imports(path: Path) -> set[str]:
    """The course modules ``path`` imports when it is imported (not inside functions)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course"):
            base = node.module.removeprefix("course").lstrip(".")
            names |= {base} if base else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.removeprefix("course.") for a in node.names
                      if a.name.startswith("course.")}
    return {n for n in names if n in modules()}


def test_no_import_cycles():
    graph = {name: top_level_imports(path) for name, path in modules().items()}

    def visit(name, trail):
        if name in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(name):], name]))
        for other in graph[name]:
            visit(other, [*trail, name])

    for name in graph:
        visit(name, [])


@pytest.mark.parametrize("argv", [["--help"], ["catalogue"], ["export", "--check"], ["doctor"],
                                  ["student", "--out", "{tmp}"]], ids=" ".join)
def test_commands_that_do_not_train_never_load_tensorflow(argv, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path / "students")) for a in argv]
    code = ("import runpy, sys\n"
            f"sys.argv = ['course', *{argv!r}]\n"
            "try:\n    runpy.run_module('course', run_name='__main__')\n"
            "except SystemExit as done:\n    assert not done.code, done.code\n"
            "print('tensorflow loaded:', 'tensorflow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.rstrip().endswith("tensorflow loaded: False")
