"""Turn untrusted HTML into plain text with its paragraph structure kept.

Built on the stdlib's tolerant ``html.parser`` (a real tokenizer, not regexes, so nested junk,
unclosed tags and stray ``<`` cannot confuse it). The output is *raw*: callers pass it through
``feeds.clean.clean_text`` to remove control characters and cap the length; use
``feeds.clean.html_to_text`` rather than this module directly.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Callable

__all__ = ["html_to_plain", "html_to_plain_links"]

LINK_TEXT_MAX = 200
"""A link's text in the link list is a label, not an article: longer anchors are cut."""
LINKS_MAX = 200
"""More numbered links than this in one summary is link spam; the rest stay plain text."""

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


def _needs_fold(data: str) -> bool:
    """Does ``data`` hold whitespace that folding would change (a tab/newline/CR/FF, or two spaces)?

    Five substring tests in C instead of a regex search: the regex's alternation was tried at
    every character and cost ~0.02 ms per summary, most of the HTML-to-text time.
    """
    return "  " in data or "\n" in data or "\t" in data or "\r" in data or "\f" in data


class _Break(str):
    """A line or paragraph break in the chunk list, told apart from text by its type
    (a text chunk may well be a plain "\n" inside <pre>)."""


_PARA = _Break("\n\n")
_LINEBRK = _Break("\n")


class _TextExtractor(HTMLParser):
    """Collects text chunks and breaks; whitespace around breaks is trimmed as they are added,
    so joining needs no regex pass over the result."""

    def __init__(self, max_chars: int, resolve: "Callable[[str], str | None] | None" = None) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        #: Turns an href into an openable absolute URL, or None (hostile or unusable); when
        #: None itself, links are not collected at all (titles, authors).
        self.resolve = resolve
        #: Numbered links in order of first appearance: (text, url).
        self.links: list[tuple[str, str]] = []
        self._link_number: dict[str, int] = {}
        #: The open ``<a>``: its URL and the chunk index where its text starts.
        self._anchor: tuple[str, int] | None = None
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
        if tag == "a" and self.resolve is not None:
            self._open_anchor(attrs)
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
        if tag == "a":
            self._close_anchor()
        if tag in _BLOCK:
            self._break(_PARA)
        elif tag in ("li", "tr", "dd", "dt"):
            self._break(_LINEBRK)

    def _open_anchor(self, attrs: list[tuple[str, str | None]]) -> None:
        """Remember where an ``<a href>`` with an openable URL starts (an open one ends first)."""
        self._close_anchor()
        href = next((value for name, value in attrs if name == "href" and value), None)
        url = self.resolve(href) if href and self.resolve is not None else None
        if url:
            self._anchor = (url, len(self.chunks))

    def _close_anchor(self) -> None:
        """End the open anchor: number its URL (once per URL) and put ``[n]`` after its text.

        An anchor without text (an image link) gets no number: there is nothing to point at.
        """
        if self._anchor is None:
            return
        url, start = self._anchor
        self._anchor = None
        text = " ".join("".join(c for c in self.chunks[start:] if type(c) is not _Break).split())
        if not text or self.size > self.max_chars:
            return
        number = self._link_number.get(url)
        if number is None:
            if len(self.links) >= LINKS_MAX:
                return
            self.links.append((text[:LINK_TEXT_MAX], url))
            number = self._link_number[url] = len(self.links)
        marker = f" [{number}]"
        if type(self.chunks[-1]) is _Break:  # the anchor held a block: mark the text, not the gap
            self.chunks.insert(len(self.chunks) - 1, marker)
        else:
            self.chunks.append(marker)
        self.size += len(marker)
        self.line_start = False

    def handle_data(self, data: str) -> None:
        if self.skip_depth or self.size > self.max_chars:
            return
        if not self.pre_depth and _needs_fold(data):
            data = _WS.sub(" ", data)
        if self.line_start:
            data = data.lstrip(" ")
            if not data:
                return
            self.line_start = False
        self.chunks.append(data)
        self.size += len(data)


# Markup made only of bare tags ("<p>", "</p>", "<br/>"; no attributes, entities, comments or
# script/style) is tokenised by one split instead of html.parser: same handlers, same output.
_SIMPLE_TAG = re.compile(r"<(?:([a-zA-Z][a-zA-Z0-9]*)(/?)|/([a-zA-Z][a-zA-Z0-9]*))>")
# html.parser reads some elements as raw text (which ones varies by Python patch release), and
# skipped elements nest by name: markup holding any of them takes the general path.
_NOT_SIMPLE = frozenset(HTMLParser.CDATA_CONTENT_ELEMENTS) | _SKIP | {"textarea", "title", "xmp", "plaintext",
                                                                      "noembed", "noframes"}


def _simple_markup(html: str, max_chars: int) -> str | None:
    """The text of markup that is plain text and bare tags only, else None (use html.parser).

    Why: most feed summaries are exactly that ("<p>...</p>"), and html.parser's general
    tokenizer costs about three times as much per item. Anything else — an attribute, an
    entity, a comment, a stray "<" — returns None, so html.parser still decides every case
    that is not trivially the same.
    """
    if "&" in html:
        return None
    parts = _SIMPLE_TAG.split(html)
    extractor = _TextExtractor(max_chars)
    for k in range(0, len(parts), 4):
        text = parts[k]
        if "<" in text:
            return None
        if text:
            extractor.handle_data(text)
        if k + 1 >= len(parts):
            break
        start, slash, end = parts[k + 1], parts[k + 2], parts[k + 3]
        if start is not None:
            tag = start.lower()
            if slash:
                extractor.handle_startendtag(tag, [])
            elif tag in _NOT_SIMPLE:
                return None
            else:
                extractor.handle_starttag(tag, [])
        else:
            tag = end.lower()
            if tag in _NOT_SIMPLE:
                return None
            extractor.handle_endtag(tag)
    return "".join(extractor.chunks).strip()


def html_to_plain(html: str, *, max_chars: int) -> str:
    """Extract text from ``html``; stops collecting once about ``max_chars`` are gathered."""
    limit = max(max_chars * INPUT_FACTOR, INPUT_FLOOR)
    if len(html) > limit:
        html = html[:limit]
    html = html.replace("\x00", "")  # our markers use NUL; NUL is never content anyway
    simple = _simple_markup(html, max_chars)
    if simple is not None:
        return simple
    return _parse_general(html, max_chars)


def html_to_plain_links(html: str, *, max_chars: int,
                        resolve: Callable[[str], str | None]) -> tuple[str, list[tuple[str, str]]]:
    """Like :func:`html_to_plain`, but links are kept: each anchor's text is followed by ``[n]``
    and the n-th ``(text, url)`` pair is returned alongside.

    ``resolve`` turns an href into an absolute URL that may be opened, or None: hrefs it refuses
    (``javascript:``, ``data:``, junk) get no number, their text stays as plain text.
    """
    limit = max(max_chars * INPUT_FACTOR, INPUT_FLOOR)
    if len(html) > limit:
        html = html[:limit]
    html = html.replace("\x00", "")
    simple = _simple_markup(html, max_chars)  # bare tags carry no href: nothing to number
    if simple is not None:
        return simple, []
    parser = _parse(html, max_chars, resolve)
    return "".join(parser.chunks).strip(), parser.links


def _parse(html: str, max_chars: int, resolve: Callable[[str], str | None] | None) -> _TextExtractor:
    """html.parser over any markup (comments dropped, dangling "<" escaped first)."""
    html = _DANGLING_LT.sub("&lt;", _drop_comments(html))
    parser = _TextExtractor(max_chars, resolve)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's own errors on pathological input
        pass
    parser._close_anchor()  # an <a> left open at the end still ends there
    return parser


def _parse_general(html: str, max_chars: int) -> str:
    """The text of any markup, links not collected."""
    return "".join(_parse(html, max_chars, None).chunks).strip()
