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
from functools import lru_cache
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

#: The plural/possessive endings :func:`_word_regex` gives a phrase's last word. In the combined
#: pattern they are cut off every phrase and matched once after the trie (:data:`_ENDING`):
#: repeated ~900 times they were 60% of the pattern's text, and parsing that text was most of
#: the cost of building a tagger. The combined pattern therefore finds a few spans a single
#: phrase would not ("chipes"); the caller decides which phrases a span really matches
#: (see :func:`span_variants`), so that only costs a look-up.
_ENDINGS = frozenset({"(?:s|es|'s|’s)?", "(?:es|'s|’s)?", "(?:s|'s|’s)?"})
_ENDING = "(?:s|es|'s|’s)?"
_STRIP_ENDING = re.compile(r"(?:'s|’s|s)$")


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


@lru_cache(maxsize=8192)
def phrase_regex(phrase: str) -> str:
    """The regex source (for lower-cased text, without word boundaries) of one phrase.

    Cached: validating a themes file and compiling the tagger ask for the same ~1,000 phrases.
    """
    if phrase.startswith("re:"):
        source = phrase[3:]
        try:
            compiled = re.compile(source)
        except re.error as exc:
            raise PhraseError(phrase, f"bad regular expression: {exc}") from None
        if compiled.groups:
            # The tagger uses findall(), which would return group contents instead of matches.
            raise PhraseError(phrase, "use non-capturing groups (?:...) in regular expressions")
        return f"(?:{source})"
    words = re.split(r"[\s\-]+", normalise_phrase(phrase).strip(" -"))
    words = [w for w in words if w]
    if not words:
        raise PhraseError(phrase, "empty phrase")
    return _SEP.join(_word_regex(w, i == len(words) - 1) for i, w in enumerate(words))


def _tokens(source: str) -> tuple[str, ...]:
    """Split a generated regex source into atoms (char, escape, class or group, + quantifier).

    Only sources produced by :func:`phrase_regex` for plain phrases are tokenised; they use a
    small, known subset of regex syntax, which keeps this simple.
    """
    tokens: list[str] = []
    i = 0
    n = len(source)
    while i < n:
        c = source[i]
        if c == "\\":
            j = i + 2
        elif c == "[":
            j = source.index("]", i + 2) + 1
        elif c == "(":
            depth, j = 0, i
            while True:
                if source[j] == "\\":
                    j += 2
                    continue
                if source[j] == "(":
                    depth += 1
                elif source[j] == ")":
                    depth -= 1
                    if depth == 0:
                        j += 1
                        break
                j += 1
        else:
            j = i + 1
        if j < n and source[j] in "?*+":
            j += 1
        tokens.append(source[i:j])
        i = j
    return tuple(tokens)


def _trie_regex(sequences: list[tuple[str, ...]]) -> str:
    """A regex matching any token sequence, with common prefixes merged (a trie).

    Python's engine tries alternatives in order but skips one cheaply when its first token is
    a literal that does not match; a trie turns 900 phrases into a few cheap decisions per
    position. Longer continuations come before "stop here", so the longest phrase wins.
    """
    trie: dict = {}
    for seq in sequences:
        node = trie
        for token in seq:
            node = node.setdefault(token, {})
        node[""] = {}

    def emit(node: dict) -> tuple[str, int]:
        """(regex, depth) of a subtree; depth orders siblings so longer phrases come first."""
        parts = []
        ends = False
        for token, child in node.items():
            if token == "":
                ends = True
                continue
            sub, depth = emit(child)
            parts.append((depth + 1, token, token + sub))
        if not parts:
            return "", 0
        parts.sort(key=lambda p: (-p[0], p[1]))
        branches = [p[2] for p in parts]
        if ends:
            branches.append("")
        depth = parts[0][0]
        if len(branches) == 1:
            return branches[0], depth
        return "(?:" + "|".join(branches) + ")", depth

    return emit(trie)[0]


def literal_trie(names: Iterable[str]) -> str:
    """Regex source matching any of ``names`` literally (case as given), as a trie.

    Equivalent to ``"|".join(escaped names, longest first)``: names that match at one position
    are all prefixes of each other, so they lie on one path of the trie, where a longer
    continuation is always tried before stopping. But the engine rejects a whole subtree after
    one character instead of trying every name in turn.
    """
    return _trie_regex([tuple(re.escape(c) for c in name) for name in dict.fromkeys(names)])


#: What :func:`compile_phrases` patterns are run over: ``PAD + text`` (see there).
PAD = " "


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str]:
    r"""One pattern matching any of ``phrases`` as whole words, longest phrase first.

    Plain phrases are merged into a trie-shaped regex; raw ``re:`` phrases are tried after it.

    The pattern is meant for ``PAD + text`` and reports each phrase as group 1 (``findall``
    returns the phrases; a match's ``start(1) - len(PAD)`` is its index in ``text``). Why: a
    phrase must start a word, and a pattern that *begins by consuming* the non-word character
    before it (``[^\w]``) lets the regex engine skip along the text in C to the next such
    character, trying the phrases only at word starts (~1 position in 6) instead of at every
    position behind a look-behind. The padding supplies that character at the very start.
    """
    sequences: list[tuple[str, ...]] = []
    raw: list[str] = []
    for phrase in dict.fromkeys(phrases):
        source = phrase_regex(phrase)
        if phrase.startswith("re:"):
            raw.append(source)
        else:
            tokens = _tokens(source)
            if tokens[-1] in _ENDINGS:
                tokens = tokens[:-1]
            sequences.append(tokens)
    trie = _trie_regex(sequences)
    # Raw patterns first: they are written to match more than the phrases they start with
    # ("american and chinese", "one million tpus"); tried after the trie, a plain phrase at the
    # same position ("american") would hide them. A longer span loses nothing, since every
    # phrase inside a matched span is still found (see Tagger.atoms_of).
    branches = [_gated(raw)] if raw else []
    if trie:
        branches.append(trie + _ENDING)
    return re.compile(r"[^\w](" + "|".join(branches) + r")(?![\w])")


def _gated(raw: list[str]) -> str:
    """Raw regexes behind a one-character look-ahead of the characters they can start with.

    Raw patterns usually begin with a group, which the engine cannot reject cheaply; without a
    gate each would be attempted at every word of every item.
    """
    union: set[str] = set()
    for source in raw:
        first = _first_chars(source)
        if first is None:
            return "(?:" + "|".join(raw) + ")"
        union |= first
    return "(?=[" + re.escape("".join(sorted(union))) + "])(?:" + "|".join(raw) + ")"


def _first_chars(source: str) -> set[str] | None:
    """The characters a regex can start with, or ``None`` when that is hard to tell."""
    try:
        from re import _constants as c, _parser as p  # private but stable since 3.11

        def first(items: list) -> set[str]:
            out: set[str] = set()
            for op, av in items:
                if op is c.LITERAL:
                    return out | {chr(av)}
                if op is c.IN:
                    for o, a in av:
                        if o is c.LITERAL:
                            out.add(chr(a))
                        elif o is c.RANGE:
                            out.update(chr(x) for x in range(a[0], a[1] + 1))
                        elif o is c.CATEGORY and a is c.CATEGORY_DIGIT:
                            out.update("0123456789")
                        else:
                            raise ValueError(o)
                    return out
                if op is c.BRANCH:
                    for branch in av[1]:
                        out |= first(list(branch))
                    return out
                if op is c.SUBPATTERN:
                    return out | first(list(av[3]))
                if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                    out |= first(list(av[2]))
                    if av[0] >= 1:
                        return out
                    continue
                raise ValueError(op)
            raise ValueError("may match empty")

        return first(list(p.parse(source)))
    except Exception:
        return None


def span_variants(part: str) -> tuple[str, ...]:
    """``part``, then ``part`` without a plural/possessive ending when it has one.

    A span found by :func:`compile_phrases` may carry the shared ending after a phrase that
    takes none of its own (a ``*`` stem: "smuggler’s"); matching the variants against the
    single-phrase patterns recovers exactly the phrases the span contains.
    """
    bare = _STRIP_ENDING.sub("", part)
    return (part, bare) if bare and bare != part else (part,)


_SEPARATORS = frozenset(" \t\n\r\f\v-")


def literal_key(phrase: str) -> str:
    """The first (up to) two characters every match of ``phrase`` must start with, separators
    aside ("" for a raw ``re:`` phrase, which can start with anything).

    Why: matched spans are resolved to the phrases they contain by ``fullmatch`` against one
    pattern per phrase; compiling ~1,000 of those cost ~0.1 s in every process that tags, and
    bucketing candidates by first character alone still compiled most of them. A phrase's
    first two characters are literal in its pattern (spelling variants start at the third
    character at the earliest; a ``*`` stem ends the literal part), so two characters pick
    the few phrases worth trying. Compare with :func:`text_key` of the span.
    """
    if phrase.startswith("re:"):
        return ""
    key = []
    for char in normalise_phrase(phrase).strip(" -"):
        if char == "*":
            break
        if char not in _SEPARATORS:
            key.append(char)
            if len(key) == 2:
                break
    return "".join(key)


def text_key(text: str) -> str:
    """The first two characters of ``text`` that are not spaces or hyphens (see :func:`literal_key`)."""
    key = []
    for char in text:
        if char not in _SEPARATORS:
            key.append(char)
            if len(key) == 2:
                break
    return "".join(key)


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
