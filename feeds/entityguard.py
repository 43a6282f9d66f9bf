"""Defuse DTD entity tricks before feedparser sees a document.

feedparser's lenient fallback parser expands internal entities without a limit: a 100 KB feed
declaring one 50 KB entity and referencing it 2,000 times becomes a 100-million-character title
(seconds of CPU, hundreds of MB). Nested entities ("billion laughs") are worse still, and
external entities (SYSTEM/PUBLIC) would read local files or the network if anything resolved
them.

So before parsing we read the DOCTYPE's internal subset ourselves and:

* refuse the feed ("entity-bomb") if an entity's value refers to another entity (nesting is the
  only reason to write that in a feed), or if expanding all references would add more than
  :data:`MAX_EXPANSION` characters;
* drop external entities without resolving them;
* expand the remaining small, flat entities in place and remove the DOCTYPE, so no parser
  downstream ever has a DTD to act on.
"""

from __future__ import annotations

import re

from feeds.parsed import FeedParseError

__all__ = ["MAX_EXPANSION", "guard_entities"]

MAX_EXPANSION = 1_000_000
"""Characters that entity expansion may add to a document. Legitimate feeds use entities
for a few characters (``&nbsp;``, a site name); a megabyte is far beyond that."""

_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.I)
_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_DECL = re.compile(
    r"""<!ENTITY\s+(%\s+)?([^\s%;&"'<>]+)\s+(?:(SYSTEM|PUBLIC)\b|"([^"]*)"|'([^']*)')""",
    re.S,
)
_REF_IN_VALUE = re.compile(r"[&%]([^\s#;&%]+);")


def _scan_subset(text: str, start: int) -> tuple[list[str], int]:
    """Split an internal subset starting after ``[`` into declarations; return the end index.

    A linear scanner, not a regex, because quoted values may contain ``]`` and ``>``. The
    returned index is just past the DOCTYPE's closing ``>``.
    """
    decls: list[str] = []
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "]":
            close = text.find(">", i)
            if close < 0 or text[i + 1 : close].strip():
                break
            return decls, close + 1
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                break
            i = end + 2
        elif text.startswith("<!", i):
            j, quote = i + 2, ""
            while j < n:
                ch = text[j]
                if quote:
                    if ch == quote:
                        quote = ""
                elif ch in "\"'":
                    quote = ch
                elif ch == ">":
                    break
                j += 1
            if j >= n:
                break
            decls.append(text[i : j + 1])
            i = j + 1
        elif c == "%":
            # Parameter-entity references pull DTD text in, possibly from outside (the classic
            # out-of-band XXE); no feed needs one.
            raise FeedParseError("entity-bomb", "DTD uses parameter entity references")
        else:
            break
    raise FeedParseError("malformed", "unterminated or garbled DOCTYPE internal subset")


def _doctype_span(text: str, head_end: int) -> tuple[int, int, list[str]] | None:
    """Find a DOCTYPE with an internal subset before the root element.

    Returns ``(start, end, declarations)``, or None when there is no internal subset (a bare
    ``<!DOCTYPE rss PUBLIC ...>`` is harmless: nothing fetches external DTDs).
    """
    m = _DOCTYPE.search(text, 0, head_end)
    if not m:
        return None
    i, n, quote = m.end(), len(text), ""
    while i < n:  # walk the external id, honouring quotes, to the "[" or the closing ">"
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return None
        elif ch == "[":
            decls, end = _scan_subset(text, i + 1)
            return m.start(), end, decls
        i += 1
    raise FeedParseError("malformed", "unterminated DOCTYPE")


def guard_entities(text: str) -> tuple[str, str | None]:
    """Return ``text`` with its DTD internal subset removed and safe entities expanded.

    Raises ``FeedParseError("entity-bomb")`` for nested or excessive expansion. The second
    value is a note for the feed's warning (e.g. which external entities were ignored).
    """
    first = _FIRST_ELEMENT.search(text)
    head_end = first.start() if first else len(text)
    if "<!" not in text[:head_end]:
        return text, None
    span = _doctype_span(text, head_end)
    if span is None:
        return text, None
    start, end, decls = span

    values: dict[str, str] = {}
    external: list[str] = []
    for decl in decls:
        if not decl.startswith("<!ENTITY"):
            continue  # ELEMENT/ATTLIST/NOTATION: validation only, irrelevant to a reader
        m = _ENTITY_DECL.match(decl)
        if not m:
            raise FeedParseError("malformed", "unreadable ENTITY declaration")
        is_param, name, ext = m.group(1), m.group(2), m.group(3)
        if ext:
            external.append(name)
            continue
        value = m.group(4) if m.group(4) is not None else m.group(5)
        if is_param:
            continue  # only meaningful inside the DTD, which we are removing
        for ref in _REF_IN_VALUE.finditer(value):
            if ref.group(0).startswith("%") or ref.group(1) not in _PREDEFINED:
                raise FeedParseError(
                    "entity-bomb", f"entity {name!r} refers to other entities (nested expansion)"
                )
        values[name] = value

    body = text[end:]
    if values:
        pattern = re.compile("&(" + "|".join(re.escape(k) for k in values) + ");")
        added = 0
        for name, count in _count_refs(pattern, body).items():
            added += len(values[name]) * count
            if added > MAX_EXPANSION:
                raise FeedParseError(
                    "entity-bomb",
                    f"entity expansion would add more than {MAX_EXPANSION:,} characters",
                )
        body = pattern.sub(lambda r: values[r.group(1)], body)
    note = None
    if external:
        note = "external entities ignored: " + ", ".join(sorted(set(external))[:5])
    return text[:start] + body, note


def _count_refs(pattern: re.Pattern[str], body: str) -> dict[str, int]:
    """How often each entity is referenced."""
    counts: dict[str, int] = {}
    for r in pattern.finditer(body):
        counts[r.group(1)] = counts.get(r.group(1), 0) + 1
    return counts
