"""The bare-tag fast path of html_to_plain must give exactly what html.parser gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.htmltext import _parse_general, _simple_markup, html_to_plain

TAGS = ["p", "P", "div", "br", "li", "ul", "pre", "td", "b", "h2", "tr", "hr", "span", "script", "title", "svg"]
SIMPLE = st.one_of(
    st.sampled_from([f"<{t}>" for t in TAGS] + [f"</{t}>" for t in TAGS] + [f"<{t}/>" for t in TAGS]),
    st.text(alphabet=st.sampled_from(list("ab \n\t\r\f•>x1")), max_size=12),
)
ODD = st.sampled_from(["<", "&amp;", "<a href='x'>", "<!-- c -->", "</ p>", "< p>", "&"])


@settings(max_examples=500, deadline=None)
@given(st.lists(SIMPLE, max_size=25), st.sampled_from([5, 40, 20000]))
def test_fast_path_equals_html_parser(parts: list[str], cap: int) -> None:
    html = "".join(parts)
    fast = _simple_markup(html, cap)
    if fast is not None:
        assert fast == _parse_general(html, cap), html


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(SIMPLE, ODD), max_size=25), st.sampled_from([5, 40, 20000]))
def test_html_to_plain_equals_html_parser_on_any_mix(parts: list[str], cap: int) -> None:
    html = "".join(parts)
    assert html_to_plain(html, max_chars=cap) == _parse_general(html, cap)


def test_fast_path_is_taken_for_bare_tags_and_refused_otherwise() -> None:
    assert _simple_markup("<p>Nvidia  ships\n H20</p><p>two</p>", 100) == "Nvidia ships H20\n\ntwo"
    assert _simple_markup("plain  text", 100) == "plain text"
    assert _simple_markup("a<P>b<BR>c", 100) == "a\n\nb\nc"
    for html in ("<p class=x>a</p>", "a &amp; b", "<!-- x -->a", "a < b", "<script>x</script>", "<p >a</p>"):
        assert _simple_markup(html, 100) is None, html
