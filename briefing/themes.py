"""The themes the briefing is read against: loading and validating ``themes.toml``.

The analysis lives in data (``briefing/data/themes.toml``) so a reader can read it as a
document, copy it into their home with ``chipwire themes init`` and sharpen it. A user's copy
is untrusted input in the weak sense: a typo must never stop the morning briefing, so
:func:`load_themes` falls back to the built-in set and returns a one-line warning naming the
file and line instead of raising.

Decisions about user files (also explained at the top of the data file):

* a user may add themes with new ids (lower-case letters, digits, dashes);
* a contract theme (see :data:`THEME_IDS`) may be dropped only *deliberately*, by listing its
  id in a top-level ``removed = [...]``; silently missing contract ids are reported as an error,
  because a lost theme would quietly empty a section of every briefing;
* unknown keys are errors with a "did you mean" suggestion; bad regular expressions, unknown
  ``@concept`` references and duplicate ids are errors with the line where they appear.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from briefing.phrases import PhraseError, phrase_regex

#: The ten contract theme ids, in the order the briefing presents them.
THEME_IDS: tuple[str, ...] = (
    "compute-bottleneck",
    "export-controls",
    "compliant-chips",
    "frontier-demand",
    "domestic-alternatives",
    "gray-market",
    "enforcement",
    "fragmentation",
    "supplier-concentration",
    "compute-geopolitics",
)

_TOP_KEYS = ("version", "analysis", "tagger", "concepts", "theme", "removed")
_TAGGER_KEYS = ("threshold", "title_weight", "genre_gate")
_THEME_KEYS = ("id", "title", "thesis", "watch", "rules", "threshold")
_RULE_KEYS = ("weight", "any", "all", "unless")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_CONCEPT_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ThemesError(ValueError):
    """A themes file that cannot be used; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Rule:
    """One weighted lexicon rule.

    Attributes:
        weight: added to the theme's score when the rule fires (negative for context rules).
        groups: every group must have at least one matching term; a term is a phrase or an
            ``@concept`` reference, exactly as written in the file.
        unless: terms that veto the rule when any of them occurs. This is how a word with
            two senses is read by its context: "diverted" chips are smuggling unless the
            item says they went to the owner's other teams.
    """

    weight: float
    groups: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """One theme of the analysis: what it claims, what to watch, how to recognise it."""

    id: str
    title: str
    thesis: str
    watch: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    #: Score needed to tag an item; ``None`` means the set's default threshold.
    threshold: float | None = None


@dataclass
class ThemeSet:
    """The themes in force, plus the analysis text and what the tagger needs to compile them.

    ``digest`` is the sha256 of the file bytes: the store keeps it and re-tags everything
    when it changes, so editing a lexicon takes effect on old items too.
    """

    themes: list[Theme]
    analysis: str
    source: Path | str
    digest: str
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    threshold: float = 3.0
    title_weight: float = 1.5
    removed: tuple[str, ...] = ()
    #: Added to every theme's threshold when the title marks a genre that quotes the themes'
    #: words without being about them (earnings, reviews, launches: the ``genre`` concept).
    genre_gate: float = 0.0

    def by_id(self, theme_id: str) -> Theme | None:
        """The theme with this id, or ``None`` (e.g. an item tagged by a since-removed theme)."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        return None

    def title_of(self, theme_id: str) -> str:
        """A theme's short title; the id itself when the theme is unknown."""
        theme = self.by_id(theme_id)
        return theme.title if theme is not None else theme_id

    @property
    def ids(self) -> tuple[str, ...]:
        """Theme ids in file order."""
        return tuple(t.id for t in self.themes)


# --------------------------------------------------------------------------------------------
# Public loading API


def theme_file_text() -> str:
    """The built-in themes file, verbatim (what ``chipwire themes init`` writes)."""
    return _builtin_bytes().decode("utf-8")


@lru_cache(maxsize=1)
def _builtin_bytes() -> bytes:
    return resources.files("briefing.data").joinpath("themes.toml").read_bytes()


@lru_cache(maxsize=1)
def builtin_digest() -> str:
    """``load_builtin().digest`` without parsing the file (a refresh with current tags needs no
    theme set in the parent process: its pool workers compile their own tagger)."""
    return hashlib.sha256(_builtin_bytes()).hexdigest()


@lru_cache(maxsize=1)
def load_builtin() -> ThemeSet:
    """The built-in theme set (parsed once per process)."""
    return parse_themes(_builtin_bytes(), source="<built-in>")


def load_themes(user_file: Path | None) -> tuple[ThemeSet, str | None]:
    """The user's theme set when ``user_file`` exists and is valid, else the built-in one.

    Returns:
        ``(themes, warning)``; ``warning`` is ``None`` unless the user file was unusable, in
        which case it reads like ``"/home/x/themes.toml line 12: unknown key 'wieght' (did
        you mean 'weight'?)"`` and the built-in set is returned.
    """
    if user_file is None:
        return load_builtin(), None
    path = Path(user_file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return load_builtin(), None
    except OSError as exc:
        return load_builtin(), f"{path}: cannot read ({exc.strerror or exc}); using the built-in themes"
    try:
        return parse_themes(data, source=path), None
    except ThemesError as exc:
        where = f"{path} line {exc.line}" if exc.line else str(path)
        return load_builtin(), f"{where}: {exc.message}; using the built-in themes"


def parse_themes(data: bytes, source: Path | str) -> ThemeSet:
    """Parse and validate a themes file. Raises :class:`ThemesError` with a line number."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ThemesError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(found.group(1)) if found else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        if found:
            message += f" (column {found.group(2)})"
        raise ThemesError(f"invalid TOML: {message}", line) from None
    return _Validator(text).build(doc, source, digest)


# --------------------------------------------------------------------------------------------
# Validation


def _suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f" (expected one of: {', '.join(allowed)})"


class _Validator:
    """Checks structure and finds the line of each problem by searching the source text.

    tomllib reports positions only for syntax errors, so for structural problems we look for
    the offending key or value in the text, starting after the line of the enclosing theme.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, needle: str, start: int = 1, key: bool = False) -> int | None:
        pattern = re.compile(rf"(?:^|[\s{{,])\"?{re.escape(needle)}\"?\s*=") if key else None
        for number in range(max(start, 1), len(self.lines) + 1):
            line = self.lines[number - 1]
            if pattern is not None:
                if pattern.search(line):
                    return number
            elif needle in line:
                return number
        return None

    def fail(self, message: str, needle: str | None = None, start: int = 1, key: bool = False) -> None:
        line = self.line_of(needle, start, key) if needle else None
        if line is None and needle and start > 1:
            line = self.line_of(needle, 1, key)
        raise ThemesError(message, line)

    def build(self, doc: dict[str, Any], source: Path | str, digest: str) -> ThemeSet:
        for key in doc:
            if key not in _TOP_KEYS:
                self.fail(f"unknown key {key!r}{_suggest(key, _TOP_KEYS)}", key, key=True)
        analysis = doc.get("analysis", "")
        if not isinstance(analysis, str):
            self.fail("'analysis' must be a string", "analysis", key=True)
        tagger = doc.get("tagger", {})
        if not isinstance(tagger, dict):
            self.fail("[tagger] must be a table", "tagger")
        for key in tagger:
            if key not in _TAGGER_KEYS:
                self.fail(f"unknown key {key!r} in [tagger]{_suggest(key, _TAGGER_KEYS)}", key, key=True)
        threshold = self.number(tagger.get("threshold", 3.0), "threshold")
        title_weight = self.number(tagger.get("title_weight", 1.5), "title_weight")
        genre_gate = self.number(tagger.get("genre_gate", 0.0), "genre_gate")
        if genre_gate < 0:
            self.fail("[tagger] genre_gate must not be negative", "genre_gate", key=True)
        if threshold <= 0:
            self.fail("[tagger] threshold must be positive", "threshold", key=True)
        concepts = self.concepts(doc.get("concepts", {}))
        removed = doc.get("removed", [])
        if not isinstance(removed, list) or not all(isinstance(r, str) for r in removed):
            self.fail("'removed' must be a list of theme ids", "removed", key=True)
        raw_themes = doc.get("theme", [])
        if not isinstance(raw_themes, list) or not raw_themes:
            self.fail("no themes: expected [[theme]] tables", "[[theme]]")
        themes: list[Theme] = []
        seen: dict[str, int] = {}
        cursor = 1
        for index, raw in enumerate(raw_themes):
            theme, cursor = self.theme(raw, index, cursor, concepts)
            if theme.id in seen:
                self.fail(f"duplicate theme id {theme.id!r}", f'"{theme.id}"', cursor)
            seen[theme.id] = index
            themes.append(theme)
        for removed_id in removed:
            if removed_id in seen:
                self.fail(f"theme {removed_id!r} is listed in 'removed' but still defined", "removed", key=True)
        missing = [tid for tid in THEME_IDS if tid not in seen and tid not in removed]
        if missing:
            self.fail(
                f"contract theme {missing[0]!r} is missing; add it back, or list it in "
                f"removed = [...] to drop it deliberately",
                "[[theme]]",
            )
        return ThemeSet(
            themes=themes,
            analysis=analysis.strip(),
            source=source,
            digest=digest,
            concepts=concepts,
            threshold=threshold,
            title_weight=title_weight,
            removed=tuple(removed),
            genre_gate=genre_gate,
        )

    def number(self, value: Any, name: str, start: int = 1) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{name!r} must be a number, not {value!r}", name, start, key=True)
        return float(value)

    def concepts(self, raw: Any) -> dict[str, tuple[str, ...]]:
        if not isinstance(raw, dict):
            self.fail("[concepts] must be a table of lists of phrases", "concepts")
        start = self.line_of("[concepts]") or 1
        concepts: dict[str, tuple[str, ...]] = {}
        for name, phrases in raw.items():
            if not _CONCEPT_RE.match(name):
                self.fail(f"bad concept name {name!r} (use lower-case letters, digits, dashes)", name, start, key=True)
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                self.fail(f"concept {name!r} must be a list of non-empty phrases", name, start, key=True)
            concepts[name] = tuple(phrases)
        for name, phrases in concepts.items():
            for phrase in phrases:
                self.term(phrase, concepts, start)
        for name in concepts:  # reject cycles: @a includes @b includes @a
            self.expand_concept(name, concepts, (), start)
        return concepts

    def expand_concept(self, name: str, concepts: dict[str, tuple[str, ...]], stack: tuple[str, ...], start: int) -> None:
        if name in stack:
            self.fail(f"concept cycle: {' -> '.join((*stack, name))}", f"@{name}", start)
        for phrase in concepts[name]:
            if phrase.startswith("@"):
                self.expand_concept(phrase[1:], concepts, (*stack, name), start)

    def term(self, term: Any, concepts: dict[str, tuple[str, ...]], start: int) -> str:
        if not isinstance(term, str) or not term.strip():
            self.fail(f"a term must be a non-empty string, not {term!r}", None)
        if term.startswith("@"):
            name = term[1:]
            if name not in concepts:
                self.fail(f"unknown concept {term!r}{_suggest(name, list(concepts))}", f'"{term}"', start)
            return term
        try:
            phrase_regex(term)
        except PhraseError as exc:
            # The file doubles backslashes inside strings, so search for the part before one.
            needle = term.split("\\")[0][:40] or term
            self.fail(str(exc), needle, start)
        return term

    def theme(self, raw: Any, index: int, cursor: int, concepts: dict[str, tuple[str, ...]]) -> tuple[Theme, int]:
        if not isinstance(raw, dict):
            self.fail(f"theme #{index + 1} must be a table", "[[theme]]", cursor)
        theme_id = raw.get("id")
        if not isinstance(theme_id, str) or not _ID_RE.match(theme_id):
            self.fail(
                f"theme #{index + 1}: 'id' must be lower-case letters, digits and dashes, not {theme_id!r}",
                "id", cursor, key=True,
            )
        here = self.line_of(f'"{theme_id}"', cursor) or cursor
        for key in raw:
            if key not in _THEME_KEYS:
                self.fail(f"theme {theme_id!r}: unknown key {key!r}{_suggest(key, _THEME_KEYS)}", key, here, key=True)
        title = raw.get("title", theme_id)
        thesis = raw.get("thesis", "")
        watch = raw.get("watch", [])
        if not isinstance(title, str) or not title.strip():
            self.fail(f"theme {theme_id!r}: 'title' must be a non-empty string", "title", here, key=True)
        if not isinstance(thesis, str):
            self.fail(f"theme {theme_id!r}: 'thesis' must be a string", "thesis", here, key=True)
        if not isinstance(watch, list) or not all(isinstance(w, str) for w in watch):
            self.fail(f"theme {theme_id!r}: 'watch' must be a list of strings", "watch", here, key=True)
        threshold = raw.get("threshold")
        if threshold is not None:
            threshold = self.number(threshold, "threshold", here)
        rules_raw = raw.get("rules", [])
        if not isinstance(rules_raw, list):
            self.fail(f"theme {theme_id!r}: 'rules' must be a list of tables", "rules", here, key=True)
        rules: list[Rule] = []
        for number, rule in enumerate(rules_raw, 1):
            rules.append(self.rule(rule, theme_id, number, here, concepts))
        if not any(r.weight > 0 for r in rules):
            self.fail(f"theme {theme_id!r} has no positive rule, so nothing could ever be tagged with it", "rules", here, key=True)
        theme = Theme(
            id=theme_id,
            title=title.strip(),
            thesis=" ".join(thesis.split()),
            watch=tuple(w.strip() for w in watch),
            rules=tuple(rules),
            threshold=threshold,
        )
        return theme, here

    def rule(self, raw: Any, theme_id: str, number: int, here: int, concepts: dict[str, tuple[str, ...]]) -> Rule:
        where = f"theme {theme_id!r} rule {number}"
        if not isinstance(raw, dict):
            self.fail(f"{where}: must be a table like {{ weight = 3, any = [...] }}", "rules", here, key=True)
        for key in raw:
            if key not in _RULE_KEYS:
                self.fail(f"{where}: unknown key {key!r}{_suggest(key, _RULE_KEYS)}", key, here, key=True)
        weight = self.number(raw.get("weight"), "weight", here) if "weight" in raw else None
        if weight is None:
            self.fail(f"{where}: 'weight' is required", "rules", here, key=True)
        groups: list[tuple[str, ...]] = []
        if "any" in raw:
            terms = raw["any"]
            if not isinstance(terms, list) or not terms:
                self.fail(f"{where}: 'any' must be a non-empty list of terms", "any", here, key=True)
            groups.append(tuple(self.term(t, concepts, here) for t in terms))
        if "all" in raw:
            items = raw["all"]
            if not isinstance(items, list) or not items:
                self.fail(f"{where}: 'all' must be a non-empty list of terms", "all", here, key=True)
            for item in items:
                if isinstance(item, list):
                    if not item:
                        self.fail(f"{where}: empty group in 'all'", "all", here, key=True)
                    groups.append(tuple(self.term(t, concepts, here) for t in item))
                else:
                    groups.append((self.term(item, concepts, here),))
        if not groups:
            self.fail(f"{where}: needs 'any' or 'all'", "weight", here, key=True)
        unless: tuple[str, ...] = ()
        if "unless" in raw:
            terms = raw["unless"]
            if not isinstance(terms, list) or not terms:
                self.fail(f"{where}: 'unless' must be a non-empty list of terms", "unless", here, key=True)
            unless = tuple(self.term(t, concepts, here) for t in terms)
        return Rule(weight=float(weight), groups=tuple(groups), unless=unless)
