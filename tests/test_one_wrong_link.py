"""One wrong link costs exactly that link's points, in every assignment, for every graded function.

Issue #15's promise, checked by real grading rather than by reading the notebooks: for each graded
function of an assignment, a submission holding the reference solution with that one function made
wrong (its answers scaled and shifted, its shapes one larger) is autograded in the sandbox, all of an
assignment's submissions in one parallel run. Its own test cell must score 0 and name the function,
and every other test cell must keep full marks: no composition calls another graded function, and no
visible test depends on one.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from instructor import gradebook, notebooks, submissions
from instructor.autograde import autograde
from tests.conftest import copy_course
from tests.listener import outputs_text, require_bwrap

require_bwrap()

# Appended to one solution cell: the function it defines now answers wrongly, whatever it returns.
BREAK = '''

def _made_wrong(function):
    import functools
    import numbers

    import numpy

    def wrong(value):
        if isinstance(value, (tuple, list)):
            return type(value)(wrong(part) for part in value)
        if isinstance(value, numbers.Integral):  # a size in a shape
            return value + 1
        return numpy.asarray(value, dtype=float) * 1.5 + 0.25

    @functools.wraps(function)
    def made_wrong(*args, **kwargs):
        return wrong(function(*args, **kwargs))
    return made_wrong


{name} = _made_wrong({name})
'''

RECORDED = re.compile(r'checks\.record\("[\w.]+",\s*(\w+)\)')


def graded_functions(notebook) -> dict[str, str]:
    """Solution cell's grade id -> the function its test cell records."""
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    found = {}
    for grade_id, cell in cells.items():
        if grade_id and grade_id.startswith("test_") and grade_id[5:] in cells:
            recorded = RECORDED.findall(cell.source)
            assert len(recorded) == 1, f"{grade_id} records {recorded}"
            found[grade_id[5:]] = recorded[0]
    return found


@pytest.mark.parametrize("assignment", notebooks.assignments())
def test_one_wrong_function_loses_exactly_its_own_points(assignment, tmp_path):
    from instructor.build import generate

    root = copy_course(tmp_path / "course")
    assert not generate(root, assignment)
    name, _ = submissions.release_notebook(assignment, root)
    source = nbformat.read(notebooks.paired_ipynb(notebooks.source_markdown(root, assignment)[0]),
                           as_version=4)
    functions = graded_functions(source)
    assert len(functions) >= 5, f"{assignment} grades only {sorted(functions)}"

    students = {}
    for grade_id, function in functions.items():
        notebook = submissions.solved(assignment, root)
        [cell] = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
        cell.source += BREAK.format(name=function)
        student = f"wrong-{grade_id}".replace("_", "-")
        gradebook.submit(root, assignment, student, name, notebook)
        students[student] = (grade_id, function)
    gradebook.submit(root, assignment, "all-right", name, submissions.solved(assignment, root))

    outcomes = autograde(root, assignment, [*students, "all-right"], jobs=2)
    assert all(outcome.graded for outcome in outcomes), [o.problems for o in outcomes if not o.graded]

    right = gradebook.scores(root, assignment, "all-right")
    assert right.total == right.max_total, right.cells
    for student, (grade_id, function) in students.items():
        cells = gradebook.scores(root, assignment, student).cells
        lost = {cell: score for cell, (score, most) in cells.items() if score != most}
        assert lost == {f"test_{grade_id}": 0}, f"{function} made wrong: {lost}"
        graded = nbformat.read(root / "autograded" / student / assignment / f"{name}.ipynb", as_version=4)
        [test_cell] = [c for c in graded.cells
                       if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{grade_id}"]
        assert function in outputs_text(test_cell), f"the feedback of test_{grade_id} does not name {function}"
