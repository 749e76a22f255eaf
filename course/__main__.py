"""python -m course validate PATH... : check notebooks as grading will (exit 0 passed, 1 failed, 2 unusable)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser(
        "validate", help="run notebooks as grading does and report every test cell",
        description="Run each notebook in a fresh kernel, as autograde does (demo cells skipped, the "
                    "grading limits), and report every test cell. Exit 0: every public test passed; "
                    "1: one failed; 2: a notebook could not be validated.")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="a notebook, or a folder of notebooks")
    validate.add_argument("--assignment", help="the assignment the notebooks belong to "
                                               "(default: from the folder or file name)")
    validate.add_argument("--cell", action="append", dest="cells", metavar="GRADE_ID",
                          help="report only this test cell (repeatable)")
    validate.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    args = parser.parse_args(argv)
    # Messages quote the notebooks (θ, σ, →): a console that cannot show a character gets a '?', not a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if args.command == "validate":
        from course.validate import run

        return run(args.paths, assignment=args.assignment, cells=args.cells, junit=args.junit)
    return 2


if __name__ == "__main__":
    sys.exit(main())
