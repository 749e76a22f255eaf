"""Feedback without the hidden tests, and student HTML that cannot run.

nbgrader's feedback shows every cell as graded, hidden tests included
(nbgrader issue #917).  This removes the hidden regions from the cell sources
and, because a traceback can quote the line that raised, replaces every
traceback frame that quotes a hidden line.
"""
from __future__ import annotations

import bleach
from jinja2 import pass_context
from nbconvert.filters import strip_ansi
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: sources and tracebacks."""

    def _hidden_lines(self, source: str) -> list[str]:
        lines, inside = [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
        return lines

    def preprocess_cell(self, cell, resources, index):
        hidden = self._hidden_lines(cell.source) if cell.cell_type == "code" else []
        cell, resources = super().preprocess_cell(cell, resources, index)
        if hidden:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = [
                        "(a frame of the hidden tests)"
                        if any(line in strip_ansi(frame) for line in hidden) else frame
                        for frame in output.traceback]
        return cell, resources


# --- student HTML, wherever a person sees it ---------------------------------------------------

# What rendered Markdown may contain: text formatting, tables, code, links and images over http(s).
_MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
                  "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong",
                  "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
_MARKDOWN_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href", "title"], "img": ["src", "alt", "title"],
                        "td": ["align"], "th": ["align"]}


@pass_context
def markdown2html_sanitized(context, source: str) -> str:
    """nbconvert's markdown2html, then bleach: no script, no handler, no javascript: link survives.

    nbconvert's SanitizeHTML preprocessor cleans a Markdown cell's source as HTML, but Markdown's own
    link syntax (`[text](javascript:...)`) only becomes HTML when rendered, so the rendered HTML is
    cleaned here too.  Attachments (data: URLs) are not shown.
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    cell = context.get("cell", {})
    renderer = IPythonRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=False,
                               path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    html = MarkdownWithMath(renderer=renderer).render(source)
    return bleach.clean(html, tags=_MARKDOWN_TAGS, attributes=_MARKDOWN_ATTRIBUTES,
                        protocols=["http", "https", "mailto"])
