"""Turn untrusted HTML into plain text with its paragraph structure kept.

Built on the stdlib's tolerant ``html.parser`` (a real tokenizer, not regexes, so nested junk,
unclosed tags and stray ``<`` cannot confuse it). The output is *raw*: callers pass it through
``feeds.clean.clean_text`` to remove control characters and cap the length; use
``feeds.clean.html_to_text`` rather than this module directly.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_plain"]

INPUT_FACTOR = 10
"""Markup is rarely more than ~5x the text it carries; cut inputs at 10x the output cap so
the work is bounded even for a multi-megabyte body."""
INPUT_FLOOR = 64 * 1024

# Elements whose text is never content: code, styling, embedded documents.
_SKIP = frozenset(
    {"script", "style", "template", "noscript", "head", "title", "iframe", "object",
     "embed", "svg", "math", "select", "textarea", "button"}
)
# Elements that end a paragraph: a blank line before and after.
_BLOCK = frozenset(
    {"p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
     "blockquote", "pre", "figure", "figcaption", "table", "ul", "ol", "dl", "form",
     "fieldset", "address", "details", "summary", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
     "center"}
)
# Elements that start a new line but not a new paragraph.
_LINE = frozenset({"br", "li", "tr", "dt", "dd", "option", "caption"})
# Void elements never get an end tag, so they must not open a skip region.
_VOID = frozenset({"embed", "br", "hr", "img", "input", "meta", "link", "area", "base",
                   "col", "param", "source", "track", "wbr"})

# A "<" that cannot start a tag within a short window is text. html.parser rescans from
# every unfinished "<" to the end of the input, which is quadratic on junk such as "<a<a<a..."
# (200 KB took 50 s); escaping such "<" first keeps the whole conversion linear. Each lookahead
# stops at the next "<", so the scans are disjoint.
_DANGLING_LT = re.compile(r"<(?![^<>]{0,4096}>)")
_WS = re.compile(r"[ \t\n\r\f]+")


def _drop_comments(html: str) -> str:
    """Remove ``<!-- ... -->`` in one linear pass (an unclosed comment hides the rest).

    Done before the dangling-"<" escape so commented-out markup stays hidden; a regex like
    ``<!--.*?-->`` would be quadratic on many unclosed openers.
    """
    if "<!--" not in html:
        return html
    out: list[str] = []
    pos = 0
    while True:
        start = html.find("<!--", pos)
        if start < 0:
            out.append(html[pos:])
            break
        out.append(html[pos:start])
        end = html.find("-->", start + 4)
        if end < 0:
            break
        pos = end + 3
    return "".join(out)
_WS_TO_FOLD = re.compile(r"[\t\n\r\f]| {2}")


class _Break(str):
    """A line or paragraph break in the chunk list, told apart from text by its type
    (a text chunk may well be a plain "\n" inside <pre>)."""


_PARA = _Break("\n\n")
_LINEBRK = _Break("\n")


class _TextExtractor(HTMLParser):
    """Collects text chunks and breaks; whitespace around breaks is trimmed as they are added,
    so joining needs no regex pass over the result."""

    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.size = 0
        self.max_chars = max_chars
        self.skip_depth = 0
        self.skip_tag = ""
        self.pre_depth = 0
        self.line_start = True

    def _break(self, brk: _Break) -> None:
        chunks = self.chunks
        while chunks and type(chunks[-1]) is not _Break and not chunks[-1].strip(" "):
            chunks.pop()
        if not chunks:
            return  # no break before any text
        last = chunks[-1]
        if type(last) is _Break:
            if brk is _PARA:
                chunks[-1] = _PARA
        else:
            chunks[-1] = last.rstrip(" ")
            chunks.append(brk)
        self.line_start = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in _SKIP and tag not in _VOID:
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "pre":
            self.pre_depth += 1
        if tag in _BLOCK:
            self._break(_PARA)
        elif tag == "li":
            self._break(_LINEBRK)
            self.chunks.append("• ")
        elif tag in _LINE:
            self._break(_LINEBRK)
        elif tag in ("td", "th"):
            self.handle_data(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <p/>: a break but never a skip region or pre nesting.
        if self.skip_depth:
            return
        if tag in _BLOCK:
            self._break(_PARA)
        elif tag in _LINE:
            self._break(_LINEBRK)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        if tag in _BLOCK:
            self._break(_PARA)
        elif tag in ("li", "tr", "dd", "dt"):
            self._break(_LINEBRK)

    def handle_data(self, data: str) -> None:
        if self.skip_depth or self.size > self.max_chars:
            return
        if not self.pre_depth and _WS_TO_FOLD.search(data):
            data = _WS.sub(" ", data)
        if self.line_start:
            data = data.lstrip(" ")
            if not data:
                return
            self.line_start = False
        self.chunks.append(data)
        self.size += len(data)


def html_to_plain(html: str, *, max_chars: int) -> str:
    """Extract text from ``html``; stops collecting once about ``max_chars`` are gathered."""
    limit = max(max_chars * INPUT_FACTOR, INPUT_FLOOR)
    if len(html) > limit:
        html = html[:limit]
    html = html.replace("\x00", "")  # our markers use NUL; NUL is never content anyway
    html = _DANGLING_LT.sub("&lt;", _drop_comments(html))
    parser = _TextExtractor(max_chars)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's own errors on pathological input
        pass
    return "".join(parser.chunks).strip()
