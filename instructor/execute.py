"""Executing a student's notebook for grading: limits, and a kernel that may die.

nbgrader's `Execute` stops grading a submission when its kernel dies
(`os._exit`, a crash, the memory limit): nbclient raises `DeadKernelError` and
the whole notebook goes ungraded.  `GradingExecute` instead runs the notebook
again in a fresh kernel with the cell that killed the kernel skipped and
marked, so every honest cell is still graded with the state it expects.  It
also caps how much output one cell may keep, so a cell printing megabytes
cannot bloat the gradebook's feedback or the grader's memory.
"""
from __future__ import annotations

import copy

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer


def limit_message(text: str) -> dict:
    """An error output that says which limit a cell hit (it scores the cell 0)."""
    return new_output("error", ename="GradingLimit", evalue=text, traceback=[f"GradingLimit: {text}"])


class GradingExecute(Execute):
    """nbgrader's Execute that survives kernel deaths and caps each cell's output."""

    max_output_bytes = Integer(
        100_000, help="Output one cell may keep; the rest is dropped with a note.").tag(config=True)
    max_kernel_deaths = Integer(
        3, help="Kernel deaths tolerated per notebook before the remaining cells are left unrun."
    ).tag(config=True)
    memory_limit_mb = Integer(
        2048, help="Memory a student's kernel may use (enforced by the sandbox); named in messages."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        original = copy.deepcopy(nb)
        killers: list[int] = []
        while True:
            attempt = copy.deepcopy(original)
            for index in killers:
                attempt.cells[index].source = ""  # nbclient does not run empty cells
            self._running = None
            try:
                result, resources = super().preprocess(attempt, resources, km)
                break
            except DeadKernelError:
                if self._running is None:
                    raise
                killers.append(self._running)
                if len(killers) > self.max_kernel_deaths:
                    result = attempt
                    for cell in result.cells[self._running + 1:]:
                        if cell.cell_type == "code":
                            cell.outputs = [limit_message(
                                "not run: the kernel died too often in the cells above")]
                    break
        for index in killers:
            cell = result.cells[index]
            cell.source = original.cells[index].source
            cell.outputs = [limit_message(
                "The kernel died while running this cell (os._exit, a crash, or more than "
                f"{self.memory_limit_mb} MB of memory). The grader ran the notebook again "
                "without this cell.")]
        nb.cells = result.cells
        nb.metadata = result.metadata
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        self._running = index
        self._output_bytes = 0
        self._truncated = False
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs, msg, display_id, cell_index):
        if getattr(self, "_truncated", False):
            return None
        budget = self.max_output_bytes - getattr(self, "_output_bytes", 0)
        size = len(str(msg.get("content", "")))
        if size <= budget:
            self._output_bytes = getattr(self, "_output_bytes", 0) + size
            return super().output(outs, msg, display_id, cell_index)
        self._truncated = True
        if msg["msg_type"] == "stream" and budget > 0:  # keep the beginning of what was printed
            msg = copy.deepcopy(msg)
            msg["content"]["text"] = msg["content"]["text"][:budget]
            super().output(outs, msg, display_id, cell_index)
        outs.append(new_output("stream", name="stdout", text=(
            f"\n[output truncated: this cell printed more than {self.max_output_bytes // 1000} kB; "
            f"the rest was dropped]\n")))
        return None
