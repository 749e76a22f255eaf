"""Text from a student's notebook made safe to print on the grader's terminal."""
from __future__ import annotations

import re

# Every control character but newline and tab: escape sequences could rewrite the screen, forge lines
# (carriage return) or change the terminal's settings.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int | None = None) -> str:
    """`text` with control characters shown as escapes (\\x1b), cut to `limit` characters."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters]"
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one printable line (newlines escaped too)."""
    return printable(text, limit).replace("\n", "\\n")


def install_log_escaping() -> None:
    """Escape control characters in every log record of this process (nbgrader logs file names and
    student ids a student chose: "[INFO] Copying <name>"), so none reaches the terminal raw."""
    import logging

    make = logging.getLogRecordFactory()
    if getattr(make, "escapes_control_characters", False):
        return

    def escaped(*args, **kwargs):
        record = make(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = printable(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(printable(a) if isinstance(a, str) else a for a in record.args)
        return record

    escaped.escapes_control_characters = True
    logging.setLogRecordFactory(escaped)
