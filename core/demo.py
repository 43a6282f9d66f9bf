"""The demo home: the bundled sample feeds, re-dated to end today, subscribed as local files.

``chipwire --demo`` must show a *living* briefing offline: the same sample feeds the README and
the snapshot tests use, but with the last sample day moved to today so "today", "this week" and
the sparklines have something to show. The items still reach the store through the real
pipeline (the CLI refreshes the home after :func:`prepare_demo_home`), so the demo exercises
exactly the code a real subscription does.

Re-dating is a *textual* rewrite of the date elements in the XML, not a parse-and-serialise:
the sample files keep their exact bytes apart from the dates, and each date keeps its own form
(RFC 822 in RSS, RFC 3339 in Atom, its own UTC offset). Whole days are added, so an RFC 3339 date
only changes its calendar part, while an RFC 822 date is re-formatted so its weekday name stays
right.

This module must not import Textual (the CLI seeds the home before any app exists).
"""

from __future__ import annotations

import re
from datetime import date, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from importlib.resources import files
from pathlib import Path
from typing import Iterator

__all__ = [
    "DEMO_CATEGORY",
    "DEMO_MARKER",
    "SAMPLE_FIRST_DAY",
    "SAMPLE_LAST_DAY",
    "prepare_demo_home",
    "sample_files",
    "shift_feed_dates",
]

#: First and last calendar day (UTC) covered by the bundled sample feeds, as written.
SAMPLE_FIRST_DAY = date(2026, 11, 8)
SAMPLE_LAST_DAY = date(2026, 11, 21)

#: Name of the marker file whose presence makes the app say SAMPLE DATA in its header.
DEMO_MARKER = "DEMO"
#: Category given to the sample subscriptions in ``feeds.toml``.
DEMO_CATEGORY = "Samples"

_SAMPLE_PACKAGE = "feeds.samples"
_SAMPLE_SUFFIXES = (".xml", ".atom", ".rss")

#: A date element of RSS 2.0, Atom 1.0 or Dublin Core, with an optional namespace prefix.
_DATE_ELEMENT = re.compile(
    r"(?P<open><(?P<tag>(?:[A-Za-z_][\w.-]*:)?(?:pubDate|lastBuildDate|published|updated|date))"
    r"(?:\s[^>]*)?>)(?P<value>[^<]*)(?P<close></(?P=tag)\s*>)"
)
#: The calendar part of an RFC 3339 timestamp; the time and offset after it are kept verbatim.
_RFC3339 = re.compile(r"^(?P<lead>\s*)(?P<day>\d{4}-\d{2}-\d{2})(?P<rest>[Tt ]\d{2}:\d{2}.*)$", re.S)
#: An RFC 822 zone given as a name (GMT, UT, UTC, Z) rather than a numeric offset.
_NAMED_UTC = re.compile(r"(?:GMT|UTC|UT|Z)\s*$")

_DEMO_TEXT = (
    "This chipwire home was created by `chipwire --demo`.\n"
    "Its feeds are the bundled SAMPLE DATA written by the chipwire project: fictional news,\n"
    "re-dated so the last sample day is the day the demo started. Nothing here is real reporting.\n"
)


def _sample_resources() -> Iterator[tuple[str, bytes]]:
    """Yield ``(file name, bytes)`` of every bundled sample feed, in name order.

    Reads through importlib.resources so it works from a wheel, a zip or an editable install.
    """
    root = files(_SAMPLE_PACKAGE)
    entries = sorted(
        (entry for entry in root.iterdir() if entry.is_file() and entry.name.endswith(_SAMPLE_SUFFIXES)),
        key=lambda entry: entry.name,
    )
    for entry in entries:
        yield entry.name, entry.read_bytes()


def sample_files() -> list[Path]:
    """Paths of the bundled sample feed files, sorted by name.

    Raises:
        RuntimeError: the package is not installed as plain files (e.g. imported from a zip),
            so there are no paths to give; :func:`prepare_demo_home` still works then.
    """
    root = files(_SAMPLE_PACKAGE)
    paths: list[Path] = []
    for entry in root.iterdir():
        if not (entry.is_file() and entry.name.endswith(_SAMPLE_SUFFIXES)):
            continue
        if not isinstance(entry, Path):
            raise RuntimeError(f"the sample feeds are not plain files ({entry!r}); use prepare_demo_home")
        paths.append(entry)
    return sorted(paths, key=lambda path: path.name)


def _shift_rfc822(value: str, days: int) -> str:
    """Move an RFC 822 date by whole days and format it again (so the weekday is recomputed)."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"unreadable date {value!r}") from exc
    shifted = moment + timedelta(days=days)
    if _NAMED_UTC.search(value) and shifted.utcoffset() == timedelta(0):
        # Keep "GMT" (the RSS 2.0 spec's own examples use it) rather than "+0000".
        return format_datetime(shifted.replace(tzinfo=timezone.utc), usegmt=True)
    return format_datetime(shifted)


def _shift_value(value: str, days: int) -> str:
    """Move one date element's text by whole days, keeping its format and surrounding spaces."""
    match = _RFC3339.match(value)
    if match:
        day = date.fromisoformat(match["day"]) + timedelta(days=days)
        return f"{match['lead']}{day.isoformat()}{match['rest']}"
    stripped = value.strip()
    if not stripped:
        return value
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()) :]
    return f"{lead}{_shift_rfc822(stripped, days)}{trail}"


def shift_feed_dates(text: str, days: int) -> str:
    """Return feed XML ``text`` with every date element moved by ``days`` whole days.

    Only the text inside ``pubDate``, ``lastBuildDate``, ``published``, ``updated`` and
    ``(dc:)date`` elements changes; every other byte stays as it was.

    Raises:
        ValueError: a date element holds something that is neither RFC 3339 nor RFC 822 (the
            sample files are ours, so that is a bug in them, not something to skip quietly).
    """
    if days == 0:
        return text

    def replace(match: re.Match[str]) -> str:
        return f"{match['open']}{_shift_value(match['value'], days)}{match['close']}"

    return _DATE_ELEMENT.sub(replace, text)


def _feed_title(text: str) -> str | None:
    """The feed's own title (RSS ``channel/title`` or Atom ``feed/title``), if it has one."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text.encode("utf-8"))
    for path in ("channel/title", "{http://www.w3.org/2005/Atom}title"):
        node = root.find(path)
        if node is not None and node.text and node.text.strip():
            return node.text.strip()
    return None


def prepare_demo_home(root: Path, *, today: date | None = None) -> None:
    """Seed ``root`` as a demo home: sample feeds, ``feeds.toml`` and the ``DEMO`` marker.

    The CLI calls this on a fresh temporary folder and then runs the ordinary refresh pipeline,
    so the items enter the store exactly as a real subscription's would. Nothing is fetched or
    stored here. The result is a pure function of ``root`` and ``today`` (same bytes every time).

    Args:
        root: the home folder to fill (created if missing). Existing sample files, ``feeds.toml``
            and ``DEMO`` in it are overwritten.
        today: the day the last sample day should become; every item date is moved by the same
            whole number of days. ``None`` keeps the dates as written
            (:data:`SAMPLE_FIRST_DAY` .. :data:`SAMPLE_LAST_DAY`), which is what the snapshot
            tests use with their frozen clock.
    """
    from feeds.subscriptions import Subscription, save_subscriptions

    root = Path(root).absolute()
    samples_dir = root / "samples"
    samples_dir.mkdir(parents=True, exist_ok=True)
    days = 0 if today is None else (today - SAMPLE_LAST_DAY).days
    subs: list[Subscription] = []
    for name, data in _sample_resources():
        text = shift_feed_dates(data.decode("utf-8"), days)
        target = samples_dir / name
        target.write_bytes(text.encode("utf-8"))
        subs.append(Subscription(url=str(target), title=_feed_title(text), category=DEMO_CATEGORY))
    save_subscriptions(root / "feeds.toml", subs)
    (root / DEMO_MARKER).write_text(_DEMO_TEXT, encoding="utf-8")

