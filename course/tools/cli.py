"""The course's command line: ``python -m course <command>``. Introduced in lesson 00."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.runtime.errors import CourseError, UsageError
from course.runtime.paths import BUILD, NOTEBOOKS
from course.runtime.profiles import NAMES


def _run(args) -> int:
    from course.tools import runner

    results = runner.run(args.only, args.profile, write_back=args.write_back,
                         timeout=args.timeout, trial_steps=args.trial)
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        why = r.error or "ran, but a claim does not hold (see build/report.md)"
        print(f"FAILED: {r.notebook}: {why}", file=sys.stderr)
    return 1 if failed else 0


def _data(args) -> int:
    from course import data
    from course.runtime.profiles import Profile

    profile = Profile.named(args.profile) if args.profile else None
    for name in data.CLASS_NAMES:
        print(name)
        for source in data.sources(profile):
            print(f"  {'found  ' if source.present(name) else 'missing'}  {source.title}")
    return 0


def _fetch(args) -> int:
    from course import data

    unknown = [name for name in args.names if name not in data.CLASS_NAMES]
    if unknown:
        raise UsageError(f"unknown dataset {', '.join(unknown)}: use {', '.join(data.CLASS_NAMES)}")
    source, failed = data.KerasSource(), 0
    for name in args.names or data.CLASS_NAMES:
        try:
            x_train, _, x_test, _ = source.load(name)  # downloads what is missing, verifies all
        except data.DataError as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: {len(x_train):,} + {len(x_test):,} images, verified, in "
              f"{source.cache_dir()}")
    return 1 if failed else 0


def _student(args) -> int:
    from course.tools import student

    if args.branch:
        commit = student.publish(args.branch)
        print(f"the student versions are commit {commit[:12]} on branch {args.branch}; "
              f"publish them where the Colab badges point with `git push origin {args.branch}`")
        return 0
    kind = "nbgrader source" if args.nbgrader else "student version"
    for path in student.write(args.out, args.only, force=args.force, nbgrader=args.nbgrader):
        print(f"wrote {path} ({kind})")
    return 0


def _grade(args) -> int:
    from course.tools import grade

    rows = grade.grade_all(args.hand_ins, args.out, timeout=args.timeout, profile=args.profile,
                           folder=args.lessons)
    print(f"{sum(r.points for r in rows)} of {len(rows)} points over "
          f"{len({(r.student, r.lesson) for r in rows})} hand-ins")
    return 0


def _site(args) -> int:
    from course.tools import site

    index = site.build(args.out, args.only, solutions=args.solutions)
    print(f"wrote {index} and the lesson pages beside it")
    return 0


def _catalogue(args) -> int:
    from course.tools import exercises, runner

    print(exercises.catalogue(runner.lessons(args.only)))
    return 0


def _export(args) -> int:
    from course.tools import export

    stale = export.export(check=args.check)
    for entry in stale:
        print(f"{'out of date' if args.check else 'updated'}: {entry}")
    if args.check and stale:
        print("the package's copy of lesson code differs from the lesson: run "
              "`python -m course export`", file=sys.stderr)
        return 1
    if not stale:
        print("the package's copies of lesson code match the lessons")
    return 0


def _normalize(args) -> int:
    from course.tools import notebook_form

    changed = notebook_form.normalize_files(args.paths or None, check=args.check)
    for path in changed:
        print(f"{'not in normal form' if args.check else 'normalized'}: {path}")
    if args.check and changed:
        print("run `python -m course normalize` (or `make notebooks`)", file=sys.stderr)
        return 1
    if not changed:
        print("every notebook is in normal form")
    return 0


def _doctor(args) -> int:
    from course.tools import doctor

    return doctor.report(doctor.diagnose())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course",
                                     description="Run and inspect the CNN course.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute every lesson headless and write build/report.md")
    run.add_argument("only", nargs="*", help="lesson numbers to run, e.g. 00 02 (default: all)")
    run.add_argument("--profile", choices=NAMES,
                     help="default: COURSE_PROFILE, else full with a GPU and quick without")
    run.add_argument("--write-back", action="store_true",
                     help="store the outputs in notebooks/ (for maintainers committing lessons)")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.add_argument("--trial", type=int, nargs="?", const=3, default=0, metavar="BATCHES",
                     help="check that a profile starts and trains: cut every training to "
                     "2 epochs of BATCHES batches (default 3); the figures mean nothing")
    run.set_defaults(func=_run)

    data = commands.add_parser("data", help="where each dataset would be loaded from",
                               description="Show where each dataset would be loaded from; "
                               "`data fetch` downloads into the Keras cache.")
    data.add_argument("--profile", choices=NAMES)
    data.set_defaults(func=_data)
    fetch = data.add_subparsers(dest="action").add_parser(
        "fetch", help="download datasets into the Keras cache and verify them")
    fetch.add_argument("names", nargs="*", metavar="NAME",
                       help="mnist, fashion_mnist or cifar10 (default: all)")
    fetch.set_defaults(func=_fetch)

    student = commands.add_parser(
        "student", help="write student versions of the lessons (solutions become stubs)")
    student.add_argument("only", nargs="*", help="lesson numbers, e.g. 02 05 (default: all)")
    student.add_argument("--out", type=Path, default=BUILD / "student",
                         help="folder to write into (default: build/student)")
    student.add_argument("--force", action="store_true",
                         help="write over the lessons in an existing --out folder")
    student.add_argument("--nbgrader", action="store_true",
                         help="write nbgrader source notebooks (answer and test cells "
                         "marked) for `nbgrader generate_assignment`; grade with "
                         "COURSE_GRADING=1")
    student.add_argument("--branch", nargs="?", const="student", metavar="NAME",
                         help="instead of --out, commit every student version to this git "
                         "branch (default: student), where their Colab badges point")
    student.set_defaults(func=_student)

    grade = commands.add_parser(
        "grade", help="run hand-ins with the checkers grading; write a gradebook (CSV)",
        description="Run each hand-in (a filled-in student version, saved as "
        "FOLDER/<student>/NN_lesson.ipynb) in a fresh kernel with COURSE_GRADING=1 and the "
        "instructor's hidden tests; write gradebook.csv and a feedback page per hand-in. "
        "Hand-ins run the students' code: grade on a throwaway machine.")
    grade.add_argument("hand_ins", nargs="+", type=Path, metavar="HAND-IN")
    grade.add_argument("--out", type=Path, default=BUILD / "grades",
                       help="folder for gradebook.csv and feedback/ (default: build/grades)")
    grade.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    grade.add_argument("--lessons", type=Path, default=NOTEBOOKS,
                       help="folder of the instructor notebooks the hand-ins are graded "
                       "against, with your hidden tests (default: the course's notebooks/)")
    grade.add_argument("--profile", choices=NAMES, default="smoke",
                       help="the profile the hand-ins run in (default: smoke, the fastest)")
    grade.set_defaults(func=_grade)

    site = commands.add_parser("site", help="build the course site (HTML) into build/site")
    site.add_argument("only", nargs="*", help="lesson numbers (default: all)")
    site.add_argument("--out", type=Path, default=BUILD / "site",
                      help="folder to write into (default: build/site)")
    site.add_argument("--solutions", action="store_true",
                      help="show the instructor notebooks, solutions included")
    site.set_defaults(func=_site)

    catalogue = commands.add_parser("catalogue",
                                    help="print the exercise catalogue as a Markdown table")
    catalogue.add_argument("only", nargs="*", help="lesson numbers (default: all)")
    catalogue.set_defaults(func=_catalogue)

    export = commands.add_parser(
        "export", help="copy the lessons' #@save cells into the course package")
    export.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the package's copy is out of date")
    export.set_defaults(func=_export)

    normalize = commands.add_parser(
        "normalize", help="put notebooks in normal form: no timestamps, small figures")
    normalize.add_argument("paths", nargs="*", type=Path,
                           help="notebooks (default: every lesson in notebooks/)")
    normalize.add_argument("--check", action="store_true",
                           help="write nothing; exit 1 if a notebook is not in normal form")
    normalize.set_defaults(func=_normalize)

    doctor = commands.add_parser(
        "doctor", help="check versions, GPU, profile, data and caches; say how to fix problems")
    doctor.set_defaults(func=_doctor)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CourseError as error:  # the message says what to do; anything else is a bug
        print(f"error: {error}", file=sys.stderr)
        return 2

