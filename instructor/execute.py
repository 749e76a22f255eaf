"""Executing a student's notebook for grading: limits, a sandbox, and a kernel that may die.

nbgrader's `Execute` stops grading a submission when its kernel dies
(`os._exit`, a crash, the memory limit) or when a cell ignores the timeout's
interrupt: nbclient raises `DeadKernelError` or `CellTimeoutError` and the whole
notebook goes ungraded.  `GradingExecute` instead runs the notebook again in a
fresh kernel with that cell skipped and marked, so every honest cell is still
graded with the state it expects.  It also

- runs each kernel in bubblewrap (`instructor.sandbox`) unless told otherwise
  (`sandbox = False`): no view of the course, the gradebook, other submissions
  or the instructor's files, no network, a memory limit;
- runs it on a private scratch copy of the submission's regular files, never in
  the folder nbgrader writes the graded notebook into: nothing the kernel
  leaves behind (a link in place of its notebook, say) is ever written through;
- hands the kernel this student's key for the hidden cases (`instructor.case_keys`);
- stops a notebook that runs past its total time (`notebook_timeout`), not only
  each cell that runs past `timeout`;
- caps how much output one cell may keep, so a cell printing megabytes cannot
  bloat the feedback or the grader's memory, while the hidden tests' records
  are kept whatever was printed before them; and refuses, before decoding it,
  any single message larger than `max_message_bytes`;
- ignores a `demo` tag (skipped at autograde) on a test or solution cell;
- says so when a cell ran out of memory.
"""
from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, default

from course import limits
from course.checks import CASE_KEY_VARIABLE, RECORD_MIME
from instructor import safefiles

LOCKED_CELL_EDITED = "backprop_locked_cell_edited"  # set by instructor.autograde.OverwriteCells
GRADER_NOTES = "backprop_grader_notes"  # notes on a cell, set by the sanitizing steps, shown under it
MALFORMED_NOTE = ("\n[an output of this cell was malformed (not what Jupyter's notebook format allows) "
                  "and was dropped]\n")
# No single message from a kernel may be larger: ZMQ drops the connection before the grader reads it.
MAX_MESSAGE_BYTES = 8_000_000

_capped_context: zmq.asyncio.Context | None = None


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse any message over MAX_MESSAGE_BYTES before reading it."""

    @default("context")
    def _capped(self):
        global _capped_context
        if _capped_context is None:
            _capped_context = zmq.asyncio.Context()
            _capped_context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        return _capped_context


def limit_message(text: str) -> dict:
    """An error output that says which limit a cell hit (it scores the cell 0)."""
    return new_output("error", ename="GradingLimit", evalue=text, traceback=[f"GradingLimit: {text}"])


class GradingExecute(Execute):
    """nbgrader's Execute that survives kernel deaths and caps each cell's output."""

    max_output_bytes = Integer(
        limits.MAX_OUTPUT_BYTES, help="Output one cell may keep; the rest is dropped with a note.").tag(config=True)
    max_record_bytes = Integer(
        2_000_000, help="Hidden-test records one cell may keep beyond max_output_bytes.").tag(config=True)
    max_kernel_deaths = Integer(
        3, help="Kernel deaths (or cells that ignore interrupts) tolerated per notebook before the "
                "remaining cells are left unrun."
    ).tag(config=True)
    memory_limit_mb = Integer(
        limits.MEMORY_LIMIT_MB, help="Memory a student's kernel may use (enforced by the sandbox); named in messages."
    ).tag(config=True)
    sandbox = Bool(
        True, help="Run each kernel in bubblewrap (instructor.sandbox); refuse to grade if it is missing."
    ).tag(config=True)
    notebook_timeout = Integer(
        limits.NOTEBOOK_TIMEOUT_SECONDS, help="Seconds one notebook may run in all (cells, and re-runs after a kernel death); the "
                  "cells left when it is used up are not run."
    ).tag(config=True)

    _case_key: str | None = None

    @default("shutdown_kernel")
    def _kill_when_done(self):
        return "immediate"  # a graded kernel's state is thrown away: no need to wait ~0.2 s for it to exit

    def create_kernel_manager(self):
        if self.sandbox:
            from instructor.sandbox import SandboxedKernelManager, check_bwrap

            check_bwrap()  # a clear message now, rather than a kernel that never starts
            self.kernel_manager_class = SandboxedKernelManager
        km = super().create_kernel_manager()
        km.client_class = "instructor.execute.CappedKernelClient"
        if self.sandbox:
            km.memory_limit_mb = self.memory_limit_mb
        return km

    async def async_start_new_kernel(self, **kwargs):
        environment = dict(os.environ)
        environment.pop(CASE_KEY_VARIABLE, None)
        if self._case_key:
            environment[CASE_KEY_VARIABLE] = self._case_key
        kwargs.setdefault("env", environment)
        return await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)  # nbclient binds its own at class creation

    def preprocess(self, nb, resources=None, km=None):
        """Execute `nb` on a scratch copy of its folder, which is thrown away afterwards."""
        from instructor import case_keys

        resources = resources if resources is not None else {}
        metadata = resources.setdefault("metadata", {})
        folder = metadata.get("path") or os.getcwd()
        self._case_key = case_keys.key_for(self.config, resources, nb)
        self._deadline = time.monotonic() + self.notebook_timeout
        self._cell_timeout = self.timeout
        scratch = Path(tempfile.mkdtemp(prefix="backprop-scratch-"))
        try:
            # The student's own files (kept out of autograded/, which formgrader serves), then the
            # instructor's versions and the sanitized notebook over them.
            submitted = self._submitted_folder(resources)
            if submitted is not None and submitted.is_dir():
                safefiles.copy_regular_files(submitted, scratch)
            safefiles.copy_regular_files(Path(folder), scratch)
            metadata["path"] = str(scratch)
            return self._execute(nb, resources, km)
        finally:
            metadata["path"] = folder
            self.timeout = self._cell_timeout
            shutil.rmtree(scratch, ignore_errors=True)

    def _submitted_folder(self, resources) -> Path | None:
        info = resources.get("nbgrader", {})
        if not info.get("student") or not info.get("assignment"):
            return None
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        return Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]))

    def _execute(self, nb, resources, km):
        skip = self.skip_cells_with_tag
        for cell in nb.cells:
            # A student's tag cannot skip what is graded: an unrun test cell would score full marks.
            if (utils.is_grade(cell) or utils.is_solution(cell)) and skip in cell.metadata.get("tags", []):
                cell.metadata.tags = [t for t in cell.metadata.tags if t != skip]
        original = copy.deepcopy(nb)
        stopped: dict[int, str] = {}  # cell index -> why the grader had to skip it
        while True:
            attempt = copy.deepcopy(original)
            for index in stopped:
                attempt.cells[index].source = ""  # nbclient does not run empty cells
            self._running = None
            try:
                result, resources = super().preprocess(attempt, resources, km)
                break
            except (DeadKernelError, CellTimeoutError) as problem:
                if self._running is None:
                    raise
                stopped[self._running] = (
                    "The kernel died while running this cell (os._exit, a crash, or more than "
                    f"{self.memory_limit_mb} MB of memory)." if isinstance(problem, DeadKernelError) else
                    f"This cell ran past the {self._cell_timeout} s limit and did not stop when interrupted.")
                if len(stopped) > self.max_kernel_deaths:
                    result = attempt
                    for cell in result.cells[self._running + 1:]:
                        if cell.cell_type == "code":
                            cell.outputs = [limit_message(
                                "not run: the kernel had to be restarted too often in the cells above")]
                    break
        for index, reason in stopped.items():
            cell = result.cells[index]
            cell.source = original.cells[index].source
            cell.outputs = [limit_message(f"{reason} The grader ran the notebook again without this cell.")]
        nb.cells = result.cells
        nb.metadata = result.metadata
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        self._running = index
        self._output_bytes = 0
        self._record_bytes = 0
        self._truncated = False
        notes = cell.metadata.pop(GRADER_NOTES, [])
        remaining = self._deadline - time.monotonic()
        if cell.cell_type == "code" and cell.source.strip() and remaining <= 0:
            cell.outputs = [limit_message(f"not run: the notebook used up its {self.notebook_timeout} s "
                                          "in the cells above")]
            return cell, resources
        self.timeout = max(1, min(self._cell_timeout, int(remaining) + 1))
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code" and time.monotonic() >= self._deadline and remaining < self._cell_timeout:
            cell.outputs.append(limit_message(
                f"The notebook reached its total limit of {self.notebook_timeout} s in this cell."))
        for note in reversed(notes if cell.cell_type == "code" else []):
            cell.outputs.insert(0, new_output("stream", name="stdout", text=f"Note from the grader: {note}\n"))
        if cell.metadata.pop(LOCKED_CELL_EDITED, False):
            cell.outputs.insert(0, new_output("stream", name="stdout", text=(
                "Note from the grader: this cell is locked, so your changes to it were discarded "
                "and it ran as it was given.\n")))
        errors = [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if "MemoryError" in errors:
            cell.outputs.append(limit_message(
                f"This cell ran out of memory: a submission may use at most {self.memory_limit_mb} MB."))
        return cell, resources

    def _is_record(self, msg) -> bool:
        data = msg.get("content", {}).get("data")
        if msg.get("msg_type") != "display_data" or not isinstance(data, dict) or RECORD_MIME not in data:
            return False
        self._record_bytes = getattr(self, "_record_bytes", 0) + len(str(data))
        return self._record_bytes <= self.max_record_bytes

    def output(self, outs, msg, display_id, cell_index):
        try:
            return self._capped_output(outs, msg, display_id, cell_index)
        except Exception:  # noqa: BLE001 - nbformat's NotebookValidationError, KeyError, TypeError, ...
            # A message the kernel forged in a shape nbformat refuses (data as a list, a number as
            # text): dropped, with a note, so that the notebook can still be written and graded.
            outs.append(new_output("stream", name="stdout", text=MALFORMED_NOTE))
            return None

    def _capped_output(self, outs, msg, display_id, cell_index):
        if self._is_record(msg):  # the hidden tests' answers are kept whatever was printed before
            return super().output(outs, msg, display_id, cell_index)
        if getattr(self, "_truncated", False):
            return None
        budget = self.max_output_bytes - getattr(self, "_output_bytes", 0)
        size = len(str(msg.get("content", "")))
        if size <= budget:
            self._output_bytes = getattr(self, "_output_bytes", 0) + size
            return super().output(outs, msg, display_id, cell_index)
        self._truncate(outs, msg, budget)
        return None

    def _truncate(self, outs, msg, budget: int) -> None:
        self._truncated = True
        if msg["msg_type"] == "stream" and budget > 0:  # keep the beginning of what was printed
            msg = copy.deepcopy(msg)
            msg["content"]["text"] = str(msg["content"].get("text", ""))[:budget]
            super().output(outs, msg, None, self._running)
        outs.append(new_output("stream", name="stdout", text=(
            f"\n[output truncated: this cell printed more than {self.max_output_bytes // 1000} kB; "
            f"the rest was dropped]\n")))

    def _update_display_id(self, display_id, msg):
        """An update of earlier displays costs this cell's budget once for every output it rewrites."""
        content = msg.get("content", {})
        if not isinstance(content, dict) or not isinstance(content.get("data"), dict) or \
                RECORD_MIME in content["data"]:
            return None  # records come only from displays of their own; malformed updates are dropped
        copies = sum(len(indices) for indices in self._display_id_map.get(display_id, {}).values())
        size = len(str(content)) * max(copies, 1)
        budget = self.max_output_bytes - getattr(self, "_output_bytes", 0)
        if getattr(self, "_truncated", False) or size > budget:
            if not getattr(self, "_truncated", False) and self._running is not None:
                self._truncate(self.nb.cells[self._running].setdefault("outputs", []),
                               {"msg_type": "update_display_data", "content": {}}, 0)
            return None
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        try:
            return super()._update_display_id(display_id, msg)
        except Exception:  # noqa: BLE001 - a malformed update is dropped
            return None
