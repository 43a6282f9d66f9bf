"""Find the framing clauses of a headline or lede, so the tagger can ignore them.

Why: news text names its subject in the main clause and sets the scene in framing clauses —
"Chinese lab ships a new model *despite US restrictions*", "rents fall *amid export-control
concerns*", "*as Beijing weighs a purchase ban*". A theme that only appears in such a clause
is background, not what the item is about; counting it filed stories under the wrong thesis.

:func:`blank_framing` replaces each framing clause with spaces of the same length. The
tagger then scans the blanked text: nothing in a framing clause can trigger or support a
theme, yet every index still maps to the original text, so evidence is quoted as written.

A framing clause starts at one of the lead phrases below and runs to the next clause
boundary: a comma, semicolon, colon, dash, bracket, or a full stop that ends a sentence
(not the dots of "U.S.").
"""

from __future__ import annotations

import re

#: Words that open a scene-setting clause. "as ... weighs" needs its verb: "as" alone is too
#: common ("as much as", "such as") to mark a clause, and "as X faces a shortage" is often
#: the subject itself, so only verbs of deliberating and struggling count.
_LEADS = (
    r"despite",
    r"in spite of",
    r"notwithstanding",
    r"amid",
    r"amidst",
    r"in response to",
    r"in the wake of",
    r"in the face of",
    r"against the backdrop of",
    r"on the back of",
    r"as (?:[\w.'’-]+ ){0,4}?(?:weighs|weigh|battles|battle|grapples|grapple|navigates|"
    r"contends|braces|mulls)",
)

_BOUNDARY = r"(?:[,;:!?()\[\]|—–]|\s-\s|(?<![a-z]\.[a-z])\.(?=\s|$))"

_FRAMING = re.compile(r"\b(?:" + "|".join(_LEADS) + r")\b.*?(?=" + _BOUNDARY + r"|$)", re.DOTALL)


def _spaces(match: re.Match[str]) -> str:
    return " " * len(match.group())


def blank_framing(low: str) -> str:
    """``low`` (lower-cased text) with every framing clause replaced by spaces, same length."""
    return _FRAMING.sub(_spaces, low)


def framing_clauses(text: str) -> list[str]:
    """The framing clauses of ``text`` as written (for explanations and tests)."""
    low = text.lower()
    if len(low) != len(text):
        return [m.group() for m in _FRAMING.finditer(low)]
    return [text[m.start():m.end()] for m in _FRAMING.finditer(low)]
