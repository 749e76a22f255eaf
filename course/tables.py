"""Small HTML tables for worked examples (the course does not need pandas)."""
from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np


def _cell(value: Any, digits: int, fixed: bool) -> str:
    if isinstance(value, (tuple, list, np.ndarray)):
        return "(" + ", ".join(_cell(v, digits, fixed) for v in np.ravel(value)) + ")"
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.{digits}f}"
        return text if fixed else text.rstrip("0").rstrip(".")
    return html.escape(str(value))


class Table:
    """Rows of named values; shows as HTML in a notebook and as text elsewhere."""

    def __init__(self, rows: Sequence[dict], digits: int = 4, caption: str = "", fixed: bool = False):
        """`digits` decimals; `fixed` keeps trailing zeros (3.00 rather than 3)."""
        self.rows, self.digits, self.caption, self.fixed = list(rows), digits, caption, fixed
        self.columns = list(self.rows[0]) if self.rows else []

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{_cell(r[c], self.digits, self.fixed)}</td>" for c in self.columns)
                       + "</tr>" for r in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cells = [self.columns] + [[_cell(r[c], self.digits, self.fixed) for c in self.columns] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
        return "\n".join(([self.caption] if self.caption else []) + lines)
