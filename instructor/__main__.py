"""python -m instructor COMMAND: the course's instructor commands.

  build [ASSIGNMENT ...] [--jobs N]   sync MyST pairs, lint, regenerate release/, validate
  sync                                rebuild every source .ipynb from its MyST .md
  autograde ASSIGNMENT [--jobs N]     grade every submission, sandboxed, on every core
  distribute [--out DIR] [--archive] [--classroom]
                                      what students receive: release notebooks, the course
                                      package, pinned requirements, a README; a zip; one
                                      GitHub Classroom template repository per assignment
"""
from __future__ import annotations

import argparse
import sys

from instructor import notebooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="sync, lint, generate release/, validate")
    build.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    build.add_argument("--jobs", type=int, default=None, help="notebooks validated at once")
    commands.add_parser("sync", help="rebuild every source .ipynb from its MyST .md")
    grade = commands.add_parser("autograde",
                                help="grade every submission in submitted/, sandboxed, several at once")
    grade.add_argument("assignment")
    grade.add_argument("--jobs", type=int, default=None, help="kernels at once (default: every core)")
    grade.add_argument("--student", action="append", default=None,
                       help="grade only this student (repeatable); default: every submission in submitted/")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run students' code with your own permissions (only for code you trust)")
    dist = commands.add_parser("distribute", help="build the student distribution (default: dist/)")
    dist.add_argument("--out", default=None, help="where to build it (default: dist/ in the course folder)")
    dist.add_argument("--archive", action="store_true", help="also pack it as dist/backprop-course.zip")
    dist.add_argument("--classroom", action="store_true",
                      help="also build a GitHub Classroom template repository per assignment (dist/classroom/)")
    args = parser.parse_args(argv)

    if args.command == "build":
        from instructor.build import build as run_build
        return run_build(notebooks.ROOT, args.assignments or None, args.jobs)
    if args.command == "sync":
        changed = [md for md in notebooks.source_markdown() if notebooks.sync(md)]
        print(f"{len(changed)} notebooks rewritten" + "".join(f"\n  {md}" for md in changed))
        return 0
    if args.command == "autograde":
        from instructor.autograde import run as run_autograde
        return run_autograde(args, notebooks.ROOT)
    if args.command == "distribute":
        from instructor.distribution import distribute
        return distribute(notebooks.ROOT, args.out, archive=args.archive, classroom=args.classroom)
    return 2


if __name__ == "__main__":
    sys.exit(main())
