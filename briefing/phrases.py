"""Turn human-written lexicon phrases into one fast compiled regex.

Why this exists: the tagger and the entity extractor both look up a few hundred phrases in
every item, tens of thousands of items per second. Running one regex per phrase would be far
too slow, and Python's regex engine tries alternatives one by one, so a naive ``a|b|c|...``
of 800 phrases is slow too. Grouping the alternatives by their first literal character lets
the engine reject most branches after a single character comparison.

Matching runs on *lower-cased* text (the caller lower-cases once per item), so the compiled
pattern needs no IGNORECASE flag — which also keeps the engine's first-character fast path.

Phrase syntax (documented for users at the top of ``data/themes.toml``):

* words are matched whole; a space or hyphen between words matches a space, a hyphen or
  nothing; so does a letter/digit boundary inside a word ("H20" finds "H-20", "h 20");
* the last word may take a plural or possessive ending ("chip" finds "chips", "chip's");
* common British/American spellings are interchangeable (licence/license, centre/center,
  grey/gray, -ise/-ize, -our/-or, -lled/-led, defence/defense, programme/program);
* a trailing ``*`` matches any word ending ("smuggl*");
* a phrase starting with ``re:`` is a raw regular expression over lower-cased text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

#: Between two words or two letter/digit runs: space, hyphen, or nothing.
_SEP = r"[\s\-]?"

#: Spelling variants applied to a single escaped, lower-cased word (order matters).
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"licen[cs]"), "licen[cs]"),
    (re.compile(r"cent(?:re|er)"), "cent(?:re|er)"),
    (re.compile(r"gr[ae]y"), "gr[ae]y"),
    (re.compile(r"defen[cs]e"), "defen[cs]e"),
    (re.compile(r"programme$|program$"), "program(?:me)?"),
    (re.compile(r"(?<=\w{3})i[sz](e|ed|es|ing|ation|ations)$"), r"i[sz]\1"),
    (re.compile(r"(?<=\w{3})ou?r$"), "ou?r"),
    (re.compile(r"(?<=\w{2}[aeiou])ll?(ed|ing)$"), r"ll?\1"),
)

_RUNS = re.compile(r"[a-z]+|[0-9]+|[^a-z0-9]+")


class PhraseError(ValueError):
    """A phrase that cannot be compiled (bad raw regex)."""

    def __init__(self, phrase: str, message: str) -> None:
        super().__init__(f"{phrase!r}: {message}")
        self.phrase = phrase


def normalise_phrase(phrase: str) -> str:
    """The canonical key of a phrase: lower case, single spaces. Equal keys share one regex."""
    if phrase.startswith("re:"):
        return phrase
    return " ".join(phrase.lower().split())


def _word_regex(word: str, last: bool) -> str:
    """Regex for one lower-cased word of a phrase."""
    stem = word.endswith("*")
    if stem:
        word = word[:-1]
    runs = _RUNS.findall(word)
    parts: list[str] = []
    for i, run in enumerate(runs):
        if run.isalpha():
            piece = run
            for pattern, repl in _SPELLINGS:
                piece = pattern.sub(repl, piece)
        else:
            piece = re.escape(run)
        if i and runs[i - 1][-1:].isalnum() and run[:1].isalnum():
            parts.append(_SEP)  # letter/digit boundary inside a model name: H20 ~ H-20 ~ H 20
        parts.append(piece)
    body = "".join(parts)
    if stem:
        return body + r"[\w\-]*"
    if last:
        if word[-1:].isdigit():
            return body + r"(?:s|'s|’s)?"
        if word.endswith("y") and len(word) > 3 and word[-2:-1] not in "aeiou":
            return body[:-1] + r"(?:y|ies|y's|y’s)"
        if word.endswith(("s", "x", "ch", "sh")):
            return body + r"(?:es|'s|’s)?"
        if word[-1:].isalpha():
            return body + r"(?:s|es|'s|’s)?"
    return body


def phrase_regex(phrase: str) -> str:
    """The regex source (for lower-cased text, without word boundaries) of one phrase."""
    if phrase.startswith("re:"):
        source = phrase[3:]
        try:
            re.compile(source)
        except re.error as exc:
            raise PhraseError(phrase, f"bad regular expression: {exc}") from None
        return f"(?:{source})"
    words = re.split(r"[\s\-]+", normalise_phrase(phrase).strip(" -"))
    words = [w for w in words if w]
    if not words:
        raise PhraseError(phrase, "empty phrase")
    return _SEP.join(_word_regex(w, i == len(words) - 1) for i, w in enumerate(words))


def _first_literal(source: str) -> str | None:
    """The first character of a regex source if it is a plain literal we can dispatch on."""
    if len(source) >= 2 and source[0] in "abcdefghijklmnopqrstuvwxyz0123456789":
        if source[1] not in "?*+{|":
            return source[0]
    return None


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``phrases`` as whole words, longest phrase first.

    The alternatives are grouped by first literal character so the regex engine can skip
    whole groups after one comparison; raw ``re:`` phrases go in a trailing group.
    """
    buckets: dict[str, list[tuple[str, str]]] = defaultdict(list)
    raw: list[str] = []
    for phrase in dict.fromkeys(phrases):
        source = phrase_regex(phrase)
        first = _first_literal(source)
        if first is None:
            raw.append(source)
        else:
            buckets[first].append((phrase, source[1:]))
    branches: list[str] = []
    for first in sorted(buckets):
        # Longest first: "export controls" must win over "export" at the same position.
        rests = [rest for _, rest in sorted(buckets[first], key=lambda pr: (-len(pr[0]), pr[0]))]
        branches.append(re.escape(first) + "(?:" + "|".join(rests) + ")")
    branches.extend(raw)
    return re.compile(r"(?<![\w])(?:" + "|".join(branches) + r")(?![\w])")


def compile_one(phrase: str) -> re.Pattern[str]:
    """A pattern for a single phrase, for ``fullmatch`` against a matched span."""
    return re.compile(phrase_regex(phrase))


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` keeping every index valid for the original string.

    ``str.lower`` can change the length of a few characters (e.g. "İ"); spans found in the
    lowered text must map back to the original to quote evidence, so those rare characters
    are lowered one by one and kept only when the length stays the same.
    """
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
