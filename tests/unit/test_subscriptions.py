"""feeds.toml: defaults on first use, strict validation with file:line errors, and text edits that
keep the person's comments byte for byte."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from feeds.subscriptions import (
    ConfigError,
    Subscription,
    SubscriptionExists,
    add_subscription,
    default_feeds_text,
    load_subscriptions,
    normalise_url,
    parse_interval,
    remove_subscription,
    save_subscriptions,
    update_url,
    validate_url,
)

USER_FILE = """\
# my feeds — hand edited
# keep this comment

# Rules
[[feed]]
url = "https://www.federalregister.gov/documents/search.rss?x=1"   # trailing comment
title = "FR"
category = "Rules"

[[feed]]
url = "https://example.org/a.xml"
enabled = false
min_interval = "2h"

# the last one
[[feed]]
url = 'https://example.com/b.atom'
"""


def write(path: Path, text: str) -> bytes:
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def assert_error(exc: pytest.ExceptionInfo, path: Path, line: int | None, *needles: str) -> None:
    message = str(exc.value)
    assert str(path) in message
    if line is not None:
        assert f"line {line}:" in message, message
        assert exc.value.line == line
    for needle in needles:
        assert needle in message, message
    assert "\n" not in message.strip() or message.count("\n") <= 1


# --------------------------------------------------------------------------- defaults


def test_missing_file_creates_curated_defaults(tmp_path: Path) -> None:
    path = tmp_path / "home" / "feeds.toml"
    subs = load_subscriptions(path)
    assert path.read_text(encoding="utf-8") == default_feeds_text()
    assert len(subs) >= 10
    urls = [s.url for s in subs]
    assert any("federalregister.gov" in u and "industry-and-security-bureau" in u for u in urls)
    assert any("justice.gov" in u for u in urls)
    assert sum("news.google.com/rss/search" in u for u in urls) == 2
    assert any("hnrss.org" in u for u in urls)
    assert all(u.startswith("https://") for u in urls)
    # The ones the candidate list says to avoid.
    assert not any("bis.doc.gov" in u or "bis.gov" in u or "commerce.gov" in u for u in urls)
    assert all(s.category for s in subs)
    assert load_subscriptions(path) == subs  # reading it back gives the same list


def test_default_file_says_it_is_unverified() -> None:
    text = default_feeds_text()
    assert "verified" in text and "status" in text


def test_missing_file_without_create_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    assert load_subscriptions(path, create=False) == []
    assert not path.exists()


def test_empty_file_is_no_subscriptions_not_defaults(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, "# I removed everything\n")
    assert load_subscriptions(path) == []
    assert path.read_text() == "# I removed everything\n"


# --------------------------------------------------------------------------- reading


def test_reads_all_fields(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    subs = load_subscriptions(path)
    assert subs == [
        Subscription("https://www.federalregister.gov/documents/search.rss?x=1", "FR", "Rules"),
        Subscription("https://example.org/a.xml", enabled=False, min_interval=7200),
        Subscription("https://example.com/b.atom"),
    ]


def test_local_paths_and_file_urls(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    local = tmp_path / "x.xml"
    write(path, f'[[feed]]\nurl = "{local}"\n\n[[feed]]\nurl = "file://{tmp_path}/y%20z.xml"\n')
    subs = load_subscriptions(path)
    assert [s.url for s in subs] == [str(local), str(tmp_path / "y z.xml")]


@pytest.mark.parametrize(
    ("text", "line", "needles"),
    [
        # tomllib syntax error: its line, reworded as "file line N: ..."
        ('[[feed]]\nurl = "https://a.example/"\n\n[[feed]]\nurl "https://b.example/"\n', 5, ("column",)),
        # unknown key, with a suggestion
        ('# c\n[[feed]]\nurl = "https://a.example/"\ntitel = "A"\n', 4, ("unknown key 'titel'", "did you mean 'title'")),
        # unknown key in the 2nd block (the line of that key, not of the first block)
        ('[[feed]]\nurl = "https://a.example/"\n\n[[feed]]\nurl = "https://b.example/"\ncategroy = "x"\n', 6,
         ("did you mean 'category'",)),
        # unknown top-level key
        ('title = "mine"\n[[feed]]\nurl = "https://a.example/"\n', 1, ("unknown key 'title'", "[[feed]]")),
        # a [feeds] table instead of [[feed]]
        ('\n[feeds]\nurl = "https://a.example/"\n', 2, ("unknown key 'feeds'", "did you mean 'feed'")),
        # missing url: the block's header line
        ('[[feed]]\nurl = "https://a.example/"\n\n[[feed]]\ntitle = "no url"\n', 4, ("no url",)),
        # wrong types
        ('[[feed]]\nurl = "https://a.example/"\nenabled = "yes"\n', 3, ("enabled must be true or false",)),
        ('[[feed]]\nurl = 42\n', 2, ("url must be a string",)),
        ('[[feed]]\nurl = "https://a.example/"\n\ntitle = 3\n', 4, ("title must be a string",)),
        # bad interval
        ('[[feed]]\nurl = "https://a.example/"\nmin_interval = "soon"\n', 3, ("bad min_interval", "30m")),
        ('[[feed]]\nurl = "https://a.example/"\nmin_interval = -5\n', 3, ("negative",)),
        # duplicate url after normalisation (scheme/host case, default port, fragment)
        ('[[feed]]\nurl = "https://A.example/x"\n\n[[feed]]\nurl = "HTTPS://a.example:443/x#top"\n', 5,
         ("duplicate feed", "first at line 1")),
        # schemes that are not feeds
        ('[[feed]]\nurl = "javascript:alert(1)"\n', 2, ("only http(s) URLs",)),
        ('[[feed]]\nurl = "ftp://a.example/feed"\n', 2, ("only http(s) URLs",)),
        ('[[feed]]\nurl = "feeds/local.xml"\n', 2, ("absolute path",)),
        ('[[feed]]\nurl = "https:///nohost"\n', 2, ("no host",)),
    ],
)
def test_errors_name_file_and_line_and_leave_file_alone(tmp_path: Path, text: str, line: int, needles) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, text)
    with pytest.raises(ConfigError) as exc:
        load_subscriptions(path)
    assert_error(exc, path, line, *needles)
    assert path.read_bytes() == before


def test_multiline_string_does_not_confuse_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    text = (
        '[[feed]]\nurl = "https://a.example/"\ntitle = """\n[[feed]]\nurl = "fake"\n"""\n\n'
        '[[feed]]\nurl = "https://b.example/"\nbogus = 1\n'
    )
    before = write(path, text)
    with pytest.raises(ConfigError) as exc:
        load_subscriptions(path)
    assert_error(exc, path, 10, "unknown key 'bogus'")
    assert path.read_bytes() == before


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'[[feed]]\nurl = "https://a.example/"\ntitle = "caf\xe9"\n')
    with pytest.raises(ConfigError) as exc:
        load_subscriptions(path)
    assert_error(exc, path, 3, "UTF-8")


def test_broken_file_is_never_overwritten_by_edits(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, '[[feed]]\nurl = "https://a.example/"\nurl2 = \n')
    with pytest.raises(ConfigError):
        add_subscription(path, "https://b.example/")
    with pytest.raises(ConfigError):
        remove_subscription(path, "https://a.example/")
    with pytest.raises(ConfigError):
        update_url(path, "https://a.example/", "https://c.example/")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["feeds.toml"]  # no temp files left behind


# --------------------------------------------------------------------------- editing


def test_add_appends_block_and_keeps_text(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    sub = add_subscription(path, "https://new.example/feed", title='He said "hi" \\ \x07', category="News")
    after = path.read_bytes()
    assert after.startswith(before)
    subs = load_subscriptions(path)
    assert subs[-1] == sub == Subscription("https://new.example/feed", 'He said "hi" \\ \x07', "News")
    assert len(subs) == 4


def test_add_then_remove_restores_the_file_exactly(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    add_subscription(path, "https://new.example/feed")
    assert remove_subscription(path, "HTTPS://NEW.example/feed") is True
    assert path.read_bytes() == before


def test_add_refuses_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    with pytest.raises(SubscriptionExists) as exc:
        add_subscription(path, "HTTPS://Example.ORG:443/a.xml")
    assert_error(exc, path, 10, "already subscribed")
    assert path.read_bytes() == before


def test_add_local_path_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "feeds.toml"
    write(path, "")
    (tmp_path / "x.xml").write_text("<rss/>")
    monkeypatch.chdir(tmp_path)
    sub = add_subscription(path, "./x.xml")
    assert sub.url == str(tmp_path / "x.xml")
    assert load_subscriptions(path) == [sub]
    sub2 = add_subscription(path, f"file://{tmp_path}/y.xml")
    assert sub2.url == str(tmp_path / "y.xml")


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/xml,<rss/>", "ftp://x.example/f", "gopher://x"])
def test_add_refuses_other_schemes(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    with pytest.raises(ConfigError) as exc:
        add_subscription(path, bad)
    assert_error(exc, path, None, "only http(s)")
    assert path.read_bytes() == before


def test_add_to_missing_file_starts_from_defaults(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    add_subscription(path, "https://new.example/feed")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(default_feeds_text())
    assert load_subscriptions(path)[-1].url == "https://new.example/feed"


def test_remove_middle_block_keeps_other_bytes(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    assert remove_subscription(path, "https://example.org/a.xml") is True
    expected = USER_FILE.replace('[[feed]]\nurl = "https://example.org/a.xml"\nenabled = false\nmin_interval = "2h"\n\n', "")
    assert path.read_text(encoding="utf-8") == expected
    assert [s.url for s in load_subscriptions(path)] == [
        "https://www.federalregister.gov/documents/search.rss?x=1",
        "https://example.com/b.atom",
    ]


def test_remove_takes_the_comment_directly_above(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    assert remove_subscription(path, "https://www.federalregister.gov/documents/search.rss?x=1")
    text = path.read_text(encoding="utf-8")
    assert "# Rules" not in text and "trailing comment" not in text
    assert text.startswith("# my feeds — hand edited\n# keep this comment\n\n[[feed]]\nurl = \"https://example.org/a.xml\"")


def test_remove_unknown_returns_false_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    stat = path.stat()
    assert remove_subscription(path, "https://nope.example/") is False
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_remove_from_inline_array_form_falls_back_to_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, 'feed = [{url = "https://a.example/"}, {url = "https://b.example/", title = "B"}]\n')
    assert remove_subscription(path, "https://a.example/")
    assert load_subscriptions(path) == [Subscription("https://b.example/", "B")]


def test_update_url_changes_only_the_value(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    assert update_url(path, "https://www.federalregister.gov/documents/search.rss?x=1", "https://fr.example/new?x=1")
    text = path.read_text(encoding="utf-8")
    assert text == USER_FILE.replace(
        'url = "https://www.federalregister.gov/documents/search.rss?x=1"   # trailing comment',
        'url = "https://fr.example/new?x=1"   # trailing comment',
    )
    assert load_subscriptions(path)[0] == Subscription("https://fr.example/new?x=1", "FR", "Rules")
    # literal-string url lines are rewritten as basic strings
    assert update_url(path, "https://example.com/b.atom", "https://example.com/c.atom")
    assert load_subscriptions(path)[2].url == "https://example.com/c.atom"


def test_update_url_refuses_a_url_already_subscribed(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    with pytest.raises(SubscriptionExists):
        update_url(path, "https://example.org/a.xml", "https://example.com/b.atom")
    assert update_url(path, "https://missing.example/", "https://x.example/") is False
    assert path.read_bytes() == before


def test_save_round_trips_and_escapes(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    subs = [
        Subscription("https://a.example/", 'quote " and \\ and \ttab and\nnewline and \x7f', "Cat / Sub"),
        Subscription("https://b.example/", None, None, enabled=False, min_interval=5400),
        Subscription("https://c.example/", min_interval=45),
        Subscription(str(tmp_path / "local.xml")),
    ]
    save_subscriptions(path, subs)
    assert load_subscriptions(path) == subs
    assert path.read_text(encoding="utf-8").startswith("# chipwire subscriptions")
    assert 'min_interval = "90m"' in path.read_text(encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))


def test_save_refuses_bad_lists_and_keeps_old_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    with pytest.raises(ConfigError):
        save_subscriptions(path, [Subscription("https://a.example/"), Subscription("https://A.example:443/")])
    with pytest.raises(ConfigError):
        save_subscriptions(path, [Subscription("javascript:x")])
    assert path.read_bytes() == before


def test_save_that_only_appends_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, USER_FILE)
    subs = load_subscriptions(path)
    new = [Subscription("https://n1.example/", "N1", "Imported"), Subscription("https://n2.example/")]
    save_subscriptions(path, subs + new)
    assert path.read_bytes().startswith(before)
    assert load_subscriptions(path) == subs + new


def test_save_unchanged_list_does_not_write(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    mtime = path.stat().st_mtime_ns
    save_subscriptions(path, load_subscriptions(path))
    assert path.stat().st_mtime_ns == mtime and path.read_text() == USER_FILE


def test_save_other_changes_rewrite_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    subs = list(reversed(load_subscriptions(path)))
    save_subscriptions(path, subs)
    assert load_subscriptions(path) == subs
    assert "# keep this comment" not in path.read_text()


def test_save_never_overwrites_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    before = write(path, '[[feed]]\nurl = "https://a.example/"\nurl = "twice"\n')
    with pytest.raises(ConfigError) as exc:
        save_subscriptions(path, [Subscription("https://b.example/")])
    assert_error(exc, path, 3, "invalid TOML")
    assert path.read_bytes() == before


def test_writes_keep_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    write(path, USER_FILE)
    path.chmod(0o600)
    add_subscription(path, "https://new.example/")
    assert path.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(0, 0), (90, 90), ("90", 90), ("45s", 45), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400),
     ("1w", 604800), (" 15 min ", 900)],
)
def test_parse_interval(value, seconds: int) -> None:
    assert parse_interval(value) == seconds


@pytest.mark.parametrize("value", ["", "soon", "5x", "1.5h", -1, True, 1.5, "h", "30m!"])
def test_parse_interval_rejects(value) -> None:
    with pytest.raises(ValueError):
        parse_interval(value)


def test_normalise_url() -> None:
    assert normalise_url("HTTPS://Example.ORG:443/a?b=C#frag") == "https://example.org/a?b=C"
    assert normalise_url("http://example.org") == "http://example.org/"
    assert normalise_url("http://example.org:8080/x") == "http://example.org:8080/x"
    assert normalise_url("http://example.org/X") != normalise_url("http://example.org/x")  # paths keep case
    assert normalise_url("file:///tmp/a%20b.xml") == normalise_url("/tmp/./a b.xml")


def test_validate_url() -> None:
    assert validate_url(" https://a.example/x ") == "https://a.example/x"
    assert validate_url("file:///tmp/f.xml") == "/tmp/f.xml"
    for bad in ["", "https://a b.example/", "file://remote.host/x.xml", "mailto:x@y", "relative/x.xml"]:
        with pytest.raises(ValueError):
            validate_url(bad)


# --------------------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=40), category=st.text(max_size=20))
def test_any_title_survives_a_save(tmp_path: Path, title: str, category: str) -> None:
    path = tmp_path / "prop.toml"
    path.unlink(missing_ok=True)
    save_subscriptions(path, [Subscription("https://a.example/", title or None, category or None)])
    (sub,) = load_subscriptions(path)
    assert sub.title == (title.strip() or None)
    assert sub.category == (category.strip() or None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comment=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
       title=st.text(max_size=20))
def test_add_then_remove_is_identity(tmp_path: Path, comment: str, title: str) -> None:
    path = tmp_path / "prop2.toml"
    original = f"# {comment}\n[[feed]]\nurl = \"https://a.example/\"\n# {comment}\n"
    path.write_text(original, encoding="utf-8")
    add_subscription(path, "https://b.example/", title=title or None)
    assert remove_subscription(path, "https://b.example/")
    assert path.read_text(encoding="utf-8") == original
