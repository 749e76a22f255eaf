"""Feedback without the hidden tests, and student HTML that cannot run.

nbgrader's feedback shows every cell as graded, hidden tests included
(nbgrader issue #917).  This removes the hidden regions from the cell sources
and, because a traceback can quote the line that raised, replaces every
traceback frame that quotes a hidden line.
"""
from __future__ import annotations

import re
from html import unescape

import bleach
from jinja2 import pass_context
from nbconvert.filters import strip_ansi
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor
from traitlets import List


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: sources and tracebacks."""

    # nbconvert's exporter configures this for every preprocessor it runs; nbgrader's base class has
    # it without `config=True`, so each feedback run warned that the option was not recognised.
    display_data_priority = List(GetGrades.display_data_priority.default_value, config=True)

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
# MathML, which every current browser draws without a network: the maths of feedback and formgrader.
_MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
                "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
                "mphantom", "menclose", "mfenced", "semantics"}
_MATHML_ATTRIBUTES = ["display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
                      "accent", "accentunder", "columnalign", "rowalign", "width", "height", "depth",
                      "linethickness", "displaystyle", "scriptlevel", "notation", "open", "close", "separators",
                      "form", "minsize", "maxsize", "symmetric", "largeop", "movablelimits", "columnspacing",
                      "rowspacing", "columnlines", "rowlines", "frame"]
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(?!\s)([^$]+?)(?<!\s)\$|\\\((.+?)\\\)", re.DOTALL)
_CODE = re.compile(r"(<pre[\s>].*?</pre>|<code[\s>].*?</code>)", re.DOTALL)


def render_math(html: str) -> str:
    """`$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` outside code as MathML (left as they are if not LaTeX it reads)."""
    from latex2mathml.converter import convert

    def one(match: re.Match) -> str:
        block, bracket, inline, paren = match.groups()
        latex = unescape(block or bracket or inline or paren)
        try:
            return convert(latex, display="block" if (block or bracket) else "inline")
        except Exception:  # noqa: BLE001 - anything it cannot read stays as the student wrote it
            return match.group(0)

    parts = _CODE.split(html)
    return "".join(part if index % 2 else _MATH.sub(one, part) for index, part in enumerate(parts))


@pass_context
def markdown2html_sanitized(context, source: str) -> str:
    """nbconvert's markdown2html, then bleach: no script, no handler, no javascript: link survives.

    nbconvert's SanitizeHTML preprocessor cleans a Markdown cell's source as HTML, but Markdown's own
    link syntax (`[text](javascript:...)`) only becomes HTML when rendered, so the rendered HTML is
    cleaned here too.  Maths becomes MathML first, so it shows with no network (the page's MathJax
    comes from the internet).  Attachments (data: URLs) are not shown.
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    cell = context.get("cell", {})
    renderer = IPythonRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=False,
                               path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    html = render_math(MarkdownWithMath(renderer=renderer).render(source))
    attributes = {**_MARKDOWN_ATTRIBUTES, **{tag: _MATHML_ATTRIBUTES for tag in _MATHML_TAGS}}
    return bleach.clean(html, tags=_MARKDOWN_TAGS | _MATHML_TAGS, attributes=attributes,
                        protocols=["http", "https", "mailto"])


class ScoreSummary(NbGraderPreprocessor):
    """A first cell in the feedback naming every exercise with its score (nbgrader's list says "Test cell")."""

    display_data_priority = HideHiddenTests.display_data_priority

    def preprocess(self, nb, resources):
        from instructor.verify import expected_checks

        rows = []
        for cell in nb.cells:
            metadata = cell.metadata.get("nbgrader", {})
            if not (metadata.get("grade") and not metadata.get("solution") and "score" in metadata):
                continue
            functions = [check.split(".")[1] for check in expected_checks(cell.source)] if cell.cell_type == "code" else []
            name = ", ".join(f"`{f}`" for f in functions) or f"`{metadata.get('grade_id')}`"
            score, points = float(metadata.get("score") or 0), float(metadata.get("points") or 0)
            mark = "✓" if score == points else "✗"
            rows.append(f"| {mark} | [{name}](#{metadata.get('grade_id')}) | {score:g} / {points:g} |")
        if rows:
            nb.cells.insert(0, new_markdown_cell("**Your scores, exercise by exercise**\n\n"
                                                 "| | exercise | score |\n|---|---|---|\n" + "\n".join(rows)))
        return nb, resources
