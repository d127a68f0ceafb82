"""The course's command line: ``python -m course <command>``. Introduced in lesson 00."""

from __future__ import annotations

import argparse
import sys


def _run(args) -> int:
    from course import runner

    results = runner.run(args.only, args.profile, write_back=args.write_back,
                         timeout=args.timeout)
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        print(f"FAILED: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _data(args) -> int:
    from course import data
    from course.setup import Profile

    profile = Profile.named(args.profile) if args.profile else None
    for name in data.CLASS_NAMES:
        print(name)
        for source in data.sources(profile):
            print(f"  {'found  ' if source.present(name) else 'missing'}  {source.title}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course",
                                     description="Run and inspect the CNN course.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute every lesson headless and write build/report.md")
    run.add_argument("only", nargs="*", help="lesson numbers to run, e.g. 00 02 (default: all)")
    run.add_argument("--profile", choices=["smoke", "quick", "full"],
                     help="default: COURSE_PROFILE, else full with a GPU and quick without")
    run.add_argument("--write-back", action="store_true",
                     help="store the outputs in notebooks/ (for maintainers committing lessons)")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.set_defaults(func=_run)

    data = commands.add_parser("data", help="where each dataset would be loaded from")
    data.add_argument("--profile", choices=["smoke", "quick", "full"])
    data.set_defaults(func=_data)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
