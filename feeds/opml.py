"""OPML import and export: how subscriptions move between chipwire and other feed readers.

Reading accepts OPML 1.0 and 2.0 in the shapes real readers write (newsboat, Miniflux,
NetNewsWire, Feedly, Inoreader):

* a feed is any ``<outline>`` with a feed URL in ``xmlUrl`` (also spelled ``xmlurl``/``XMLURL``,
  or ``url`` on outlines that are not ``type="link"``/``"include"``);
* its title is the ``title`` attribute, else ``text``; a title equal to the URL counts as none;
* **categories** come from nesting: an outline without a feed URL is a folder, and a feed's
  ``category`` is the text of its enclosing folders joined with ``" / "`` (``Tech / Chips``);
  with no folder, the OPML 2.0 ``category`` attribute (``"/Tech/Chips,/Other"``) is used instead:
  its first path, with the same ``" / "`` separator;
* duplicates (compared with :func:`feeds.subscriptions.normalise_url`) are skipped, first wins;
* URLs that are not http(s) are skipped: an OPML file from elsewhere must not make chipwire read
  local files (``allow_local=True`` lifts that for a file you wrote yourself).

An OPML file is untrusted input. Files over the size cap and any document with a DOCTYPE or
entity declaration (billion laughs, external entities) are refused with :class:`OpmlError`
before a single element is built; the parser is expat with those handlers armed.

Writing produces OPML 2.0 with categories as parent outlines (``" / "`` nests them again), so
``write_opml`` and ``read_opml`` round-trip. The two per-feed settings OPML has no word for are
written as extra outline attributes, which OPML 2.0 allows and other readers ignore:
``chipwireEnabled="false"`` for a paused feed and ``chipwireMinInterval="3600"`` (seconds) for a
minimum refresh interval — only when they differ from the defaults — so a backup restored with
``feeds import`` keeps them. Reading them back is lenient, like the rest: a value that does not
parse is ignored, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Iterable

from feeds.clean import clean_line
from feeds.located import LocatedError
from feeds.subscriptions import Subscription, normalise_url, parse_interval, validate_url

__all__ = ["OPML_MAX_BYTES", "Dropped", "OpmlError", "read_opml", "write_opml"]

#: Default cap on an OPML file's size: a subscription list of thousands of feeds is ~1 MiB.
OPML_MAX_BYTES = 5 * 1024 * 1024

#: Longest title or folder name kept from an OPML file.
_TEXT_MAX = 300

#: Outline attributes for the settings OPML has no word for (see the module docstring).
ENABLED_ATTR = "chipwireEnabled"
MIN_INTERVAL_ATTR = "chipwireMinInterval"
_FALSE = ("false", "no", "0", "off")
#: A longer "minimum interval" in an imported file is taken for a typo, not a wish (a year).
_MAX_INTERVAL = 366 * 86400


class OpmlError(LocatedError):
    """An OPML file that was refused or could not be read; ``str()`` names the file and reason."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        super().__init__(path, line, message)


@dataclass(frozen=True)
class Dropped:
    """An outline with a feed URL that was not imported, and why (for ``feeds import`` to say)."""

    line: int
    """Line of the ``<outline>`` in the OPML file."""
    url: str
    """The URL as written, cleaned to one safe line (it is untrusted text bound for a terminal)."""
    reason: str
    """Why, in a few words: ``javascript: URLs cannot be subscribed``, ``a duplicate of line 4``…"""


class _Refused(Exception):
    """Raised from inside expat handlers to stop parsing a hostile document at once."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _attr(attrs: dict[str, str], *names: str) -> str:
    """Attribute lookup that ignores case, since exporters disagree on ``xmlUrl``/``xmlurl``."""
    lowered = {k.lower(): v for k, v in attrs.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value and value.strip():
            return value.strip()
    return ""


def _clean(text: str) -> str:
    return clean_line(text, _TEXT_MAX)


def read_opml(path: Path, *, max_bytes: int = OPML_MAX_BYTES, allow_local: bool = False,
              dropped: list[Dropped] | None = None) -> list[Subscription]:
    """Read the subscriptions from an OPML file.

    Args:
        path: the OPML file.
        max_bytes: refuse larger files.
        allow_local: also accept absolute paths and file:// URLs (only for your own files).
        dropped: when given, every feed outline left out is appended to it with its line and
            the reason (``javascript:``, ``data:``, ``ftp:`` URLs, local files, duplicates).

    Returns:
        The feeds in document order, duplicates removed.

    Raises:
        OpmlError: too large, DOCTYPE/entity declarations, malformed XML (with the line), or not OPML.
        OSError: the file cannot be read.
    """
    from xml.parsers import expat

    path = Path(path)
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OpmlError(path, f"refused: larger than {max_bytes:,} bytes (not a subscription list?)")

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(name: str, *_: object) -> None:
        raise _Refused("refused: the file has a DOCTYPE declaration, which OPML never needs "
                       "(entity expansion and external entities are attacks)", parser.CurrentLineNumber)

    def refuse_entity(name: str, *_: object) -> None:
        raise _Refused(f"refused: the file declares the entity {name!r} (entity expansion is an attack)",
                       parser.CurrentLineNumber)

    def refuse_external(*_: object) -> int:
        raise _Refused("refused: the file references an external entity", parser.CurrentLineNumber)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external

    subs: list[Subscription] = []
    seen: dict[str, int] = {}

    def drop(url: str, reason: str) -> None:
        if dropped is not None:
            dropped.append(Dropped(parser.CurrentLineNumber, clean_line(url, 120) or "(empty)", reason))

    # One frame per open element: the folder name it contributes ("" when none), or None for
    # non-outline elements.
    stack: list[str | None] = []
    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1].lower()
        if not root:
            root.append(local)
            if local != "opml":
                raise _Refused(f"not an OPML file (the root element is <{name}>)", parser.CurrentLineNumber)
        if local != "outline":
            stack.append(None)
            return
        kind = _attr(attrs, "type").lower()
        url = _attr(attrs, "xmlUrl", "xmlurl")
        if not url and kind not in ("link", "include"):
            url = _attr(attrs, "url")
        label = _clean(_attr(attrs, "title") or _attr(attrs, "text"))
        if not url:
            stack.append(label)  # a folder (or an empty outline): its text names the category
            return
        stack.append("")  # a feed outline: a feed nested in a feed is not in a folder named after it
        written = url
        try:
            url = validate_url(url)
        except ValueError as exc:
            drop(written, _why_not(written, exc))
            return
        if not allow_local and not url.lower().startswith(("http://", "https://")):
            drop(written, "a local file (only with --allow-local, for a file you wrote yourself)")
            return
        key = normalise_url(url)
        if key in seen:
            drop(written, f"a duplicate of line {seen[key]}")
            return
        seen[key] = parser.CurrentLineNumber
        folders = [f for f in stack[:-1] if f]
        category = " / ".join(folders) if folders else _category_attr(_attr(attrs, "category"))
        subs.append(Subscription(url=url, title=label if label and label != url else None,
                                 category=_clean(category) or None, enabled=_enabled_attr(attrs),
                                 min_interval=_interval_attr(attrs)))

    def end(name: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise OpmlError(path, str(exc), exc.line) from None
    except expat.ExpatError as exc:
        raise OpmlError(path, f"not well-formed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
                        exc.lineno) from None
    if not root:
        raise OpmlError(path, "empty file, not OPML")
    return subs


def _why_not(url: str, exc: ValueError) -> str:
    """The reason a URL cannot be subscribed, short: its scheme when it has one."""
    import re

    scheme = re.match(r"^([a-z][a-z0-9+.-]{0,20}):", url.strip().lower())
    if scheme and scheme.group(1) not in ("http", "https", "file") and len(scheme.group(1)) > 1:
        return f"{scheme.group(1)}: URLs cannot be subscribed (only http(s) feeds)"
    return clean_line(str(exc).replace(repr(url.strip()), "the URL"), 120)


def _enabled_attr(attrs: dict[str, str]) -> bool:
    """``chipwireEnabled``: only an explicit "false" pauses a feed; anything else leaves it on."""
    return _attr(attrs, ENABLED_ATTR).lower() not in _FALSE


def _interval_attr(attrs: dict[str, str]) -> int | None:
    """``chipwireMinInterval``: seconds (or "2h"-style text); ignored unless it parses and is sane."""
    value = _attr(attrs, MIN_INTERVAL_ATTR)
    if not value:
        return None
    try:
        seconds = parse_interval(value)
    except ValueError:
        return None
    return seconds if seconds <= _MAX_INTERVAL else None


def _category_attr(value: str) -> str:
    """First path of an OPML 2.0 ``category`` attribute: ``"/Tech/Chips,/x"`` -> ``"Tech / Chips"``."""
    first = value.split(",", 1)[0]
    return " / ".join(part.strip() for part in first.split("/") if part.strip())


# --------------------------------------------------------------------------- writing


def _xml_attr(value: str) -> str:
    """A double-quoted XML attribute value; drops characters XML 1.0 cannot carry at all."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch in "\t\n\r":
            out.append(f"&#{code};")  # attribute normalisation would turn them into spaces
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            continue
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _xml_text(value: str) -> str:
    return _xml_attr(value)[1:-1]


class _Folder:
    """A category folder while writing: its feeds and sub-folders in first-seen order."""

    def __init__(self) -> None:
        self.feeds: list[Subscription] = []
        self.folders: dict[str, _Folder] = {}


def write_opml(subs: Iterable[Subscription], *, title: str = "chipwire subscriptions",
               now: datetime | None = None) -> str:
    """Render subscriptions as an OPML 2.0 document.

    Feeds are ``<outline type="rss" text=.. title=.. xmlUrl=..>``; categories become parent
    outlines (``"A / B"`` nests B inside A), so other readers show chipwire's folders.

    Args:
        subs: the subscriptions, in the order to write them.
        title: the document's ``<head><title>``.
        now: the ``dateCreated`` time (tests freeze it); defaults to now.
    """
    root = _Folder()
    for sub in subs:
        folder = root
        for part in [p.strip() for p in (sub.category or "").split(" / ") if p.strip()]:
            folder = folder.folders.setdefault(part, _Folder())
        folder.feeds.append(sub)
    created = format_datetime((now or datetime.now(timezone.utc)).astimezone(timezone.utc), usegmt=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_xml_text(title)}</title>",
        f"    <dateCreated>{created}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    _write_folder(root, lines, depth=2)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _write_folder(folder: _Folder, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    for sub in folder.feeds:
        label = sub.title or sub.url
        extra = "" if sub.enabled else f' {ENABLED_ATTR}="false"'
        if sub.min_interval is not None:  # 0 is a setting too: "no minimum, whatever the default"
            extra += f' {MIN_INTERVAL_ATTR}="{int(sub.min_interval)}"'
        lines.append(f'{pad}<outline type="rss" text={_xml_attr(label)} title={_xml_attr(label)} '
                     f"xmlUrl={_xml_attr(sub.url)}{extra}/>")
    for name, child in folder.folders.items():
        lines.append(f"{pad}<outline text={_xml_attr(name)} title={_xml_attr(name)}>")
        _write_folder(child, lines, depth + 1)
        lines.append(f"{pad}</outline>")
