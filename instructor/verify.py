"""Grade hidden tests in the grader's process, not in the student's kernel.

nbgrader scores a test cell by its outputs: no error means full marks.  Those
outputs come from the student's kernel, which the student's code controls (it
can patch numpy, the test helpers, or turn every later cell into `pass` with an
IPython input transformer).  So every graded test cell ends with hidden
`checks.record("topic.function", function)` calls, which only *record* the
student's answers on randomized cases, and this preprocessor, running after
execution in the grader's process, recomputes the cases, applies the reference
implementation and decides the cell:

- passed: every expected record is present and every answer matches, and the
  cell raised nothing.  Warnings on stderr no longer cost the points.
- failed: an error output that says which quantity is wrong, put first so that
  nothing the kernel printed can override it (nbgrader reads outputs in order
  and takes a number in an `execute_result` as partial credit).

The records expected in a cell are read from the cell's source, which nbgrader
has already restored from the gradebook, never from the kernel's outputs.
"""
from __future__ import annotations

import re
from typing import Iterable

import numpy as np
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from course import checks
from instructor import references

RECORD_CALL = re.compile(r"checks\.record\(\s*[\"']([A-Za-z_]\w*\.[A-Za-z_]\w*)[\"']")
MISSING_CELL_MARK = "was missing from the submission"
NO_ANSWERS = "no answers were recorded"
MAX_CASES_SHOWN = 2


def expected_checks(source: str) -> list[str]:
    """The check names a test cell's (trusted) source records, in order."""
    return list(dict.fromkeys(RECORD_CALL.findall(source)))


def records_in(outputs: Iterable[NotebookNode]) -> list[dict]:
    """Every record a cell displayed."""
    found = []
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
        record = data.get(checks.RECORD_MIME)
        if isinstance(record, dict):
            found.append(record)
    return found


def _shape_slip_hint(check: str, error: str, args) -> str | None:
    """The hint of the catalogued shape slip (`Slip.shapes`) whose numpy error this is, as the visible test gives."""
    from course import slips

    named = slips.shapes_named(error)
    if not named:
        return None
    for slip in slips.catalogue(check):
        try:
            if slip.shapes is not None and slip.shapes(named, *args):
                return slip.hint
        except Exception:  # noqa: BLE001 - a slip that does not apply to these arguments is no match
            continue
    return None


def verify_record(check: str, record: dict, key: str | None = None) -> list[str]:
    """What is wrong with one record of `check` (cases seeded by `key`); empty if every answer is right."""
    spec, cases = checks.cases_for(check, key)
    reference = references.reference(check)
    results = record.get("results")
    if not isinstance(results, list) or len(results) != len(cases):
        return [f"{check}: the record does not hold one answer per case"]
    compare = checks.compare_shapes if spec.shapes else checks.compare
    problems = []
    for case, result in zip(cases, results):
        if not isinstance(result, dict):
            problems.append(f"{case.description}: malformed answer")
            continue
        if "error" in result:
            hint = _shape_slip_hint(check, str(result["error"])[:2000], case.args)  # a student's text: bounded
            problems.append(f"{case.description}: {str(result['error'])[:300]}"
                            + (f"\n    hint: {hint}" if hint else ""))
            continue
        try:
            got = [checks.decode_array(o) for o in result["outputs"]]
        except Exception:  # noqa: BLE001 - anything unreadable is a wrong answer
            problems.append(f"{case.description}: malformed answer")
            continue
        expected = checks.split_outputs(reference(*case.args), spec.outputs, check)
        if len(got) != len(expected):
            problems.append(f"{case.description}: expected {len(expected)} values")
            continue
        if all(compare(label, g, e) is None for label, g, e in zip(spec.outputs, got, expected)):
            continue
        # The catalogued slip, if one fits, names the cause; only without one is a ratio described.
        slip = checks.matching_slip(check, case.args, expected, got)
        messages = [m for m in (compare(label, g, e, batch_size=case.batch_size, hint=slip is None)
                                if spec.shapes else _compared(label, g, e, case.batch_size, slip)
                                for label, g, e in zip(spec.outputs, got, expected)) if m]
        if slip is not None:
            messages.append(f"  hint: {slip.hint}")
        problems.append(f"{case.description}:\n    " + "\n    ".join(messages))
    if problems:
        function = check.split(".")[1]
        shown = problems[:MAX_CASES_SHOWN]
        more = len(problems) - len(shown)
        return [f"{function} is wrong on {len(problems)} of {len(cases)} hidden cases."]  + \
               ["  " + p for p in shown] + ([f"  ... and {more} more"] if more else [])
    return []


def _compared(label: str, got, expected, batch_size, slip) -> str | None:
    """checks.compare's message; a small answer of the wrong shape that a slip explains is written out,
    as the visible tests do ("expected [12, 32], got [32]", not "an array of shape (2,), got (1,)")."""
    message = checks.compare(label, got, expected, batch_size=batch_size, hint=slip is None)
    wanted = np.asarray(expected, dtype=float)
    if (message and slip is not None and np.shape(got) != wanted.shape and np.size(got) <= 4
            and wanted.size <= 4):
        return f"{label}: expected {checks.format_value(wanted)}, got {checks.format_value(got)}"
    return message


def _neutral(output: NotebookNode) -> NotebookNode | None:
    """An output that cannot change the score: records and results become plain displays."""
    kind = output.get("output_type")
    if kind == "stream" and output.get("name") == "stderr":
        return from_dict({"output_type": "stream", "name": "stdout",
                          "text": "(printed to stderr) " + output.get("text", "")})
    if kind in ("display_data", "execute_result"):
        data = dict(output.get("data", {}))
        data.pop(checks.RECORD_MIME, None)
        if not data:
            return None
        return from_dict({"output_type": "display_data", "data": data, "metadata": {}})
    return output


class VerifyHiddenTests(NbGraderPreprocessor):
    """Decide every graded test cell that records answers by checking those answers."""

    _key: str | None = None  # public cases unless a student is being graded

    def preprocess(self, nb, resources):
        from instructor import case_keys

        # The grader's own key for this student, never one the kernel reports.
        self._key = case_keys.key_for(self.config, resources, nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        expected = expected_checks(cell.source)
        if not expected:
            return cell, resources
        outputs = list(cell.get("outputs", []))
        problems: list[str] = []
        if MISSING_CELL_MARK in cell.source.split("\n", 1)[0]:
            problems.append("This test cell was deleted from the submitted notebook, so it scores 0.")
        else:
            records = records_in(outputs)
            for check in expected:
                mine = [r for r in records if r.get("check") == check]
                if not mine:
                    problems.append(f"{check.split('.')[1]}: no answers were recorded "
                                    f"(the test stopped before its hidden part ran)")
                if len(mine) > 1:  # the hidden test records once; more is forged (and costly to check)
                    problems.append(f"{check.split('.')[1]}: {len(mine)} sets of answers were recorded where "
                                    "the hidden test records one; none was checked")
                elif mine:
                    problems += verify_record(check, mine[0], self._key)
        errors = [o for o in outputs if o.get("output_type") == "error"]
        kept = [n for n in (_neutral(o) for o in outputs if o.get("output_type") != "error") if n]
        unrecorded = problems and all(NO_ANSWERS in p for p in problems)
        if errors and unrecorded:
            # The real cause is the error the test stopped at: it comes first, the consequence after.
            names = ", ".join(check.split(".")[1] for check in expected)
            note = f"the hidden tests of {names} did not run: the test stopped at the error above"
            cell.outputs = errors + [from_dict({
                "output_type": "error", "ename": "HiddenTestFailed", "evalue": note,
                "traceback": ["HiddenTestFailed: " + note]})] + kept
        elif problems:
            cell.outputs = [from_dict({
                "output_type": "error", "ename": "HiddenTestFailed",
                "evalue": problems[0], "traceback": ["HiddenTestFailed: " + problems[0]] + problems[1:],
            })] + errors + kept
        elif errors:
            cell.outputs = errors + kept
        else:
            cell.outputs = kept + [from_dict({
                "output_type": "stream", "name": "stdout",
                "text": f"✓ hidden tests passed: {', '.join(c.split('.')[1] for c in expected)}\n"})]
        return cell, resources
