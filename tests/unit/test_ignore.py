"""Ignore rules: real ignore.toml files, broken ones named by file and line."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from briefing.ignore import IgnoreRules, load_ignore_rules

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def item(**over: object) -> dict:
    base: dict = {
        "id": "urn:x:1",
        "feed": "https://www.scmp.example/rss/tech.xml",
        "feed_title": "SCMP Tech",
        "title": "Huawei shares rise after Ascend launch",
        "link": "https://scmp.example/a/1",
        "summary": "Sponsored: a look at the chip market.",
        "published": "2026-11-19T10:00:00Z",
        "read": False,
        "starred": False,
        "themes": [{"id": "domestic-alternatives", "score": 0.8, "evidence": ["Ascend"]}],
        "entities": [{"name": "Huawei", "kind": "company"}],
    }
    base.update(over)
    return base


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ignore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_no_rules_and_no_warning(tmp_path: Path) -> None:
    rules, warning = load_ignore_rules(tmp_path / "ignore.toml")
    assert warning is None
    assert not rules and len(rules) == 0
    assert rules.hides(item(), NOW) is None


def test_each_field_and_all_fields_of_a_rule_must_match(tmp_path: Path) -> None:
    path = write(tmp_path, '''
[[rule]]
name = "stock chatter"
title = "shares? (rise|fall)"
feed = "scmp"

[[rule]]
summary = "^sponsored:"
feed = "Reuters"

[[rule]]
name = "stale"
older_than_days = 30
''')
    rules, warning = load_ignore_rules(path)
    assert warning is None
    assert len(rules) == 3
    assert rules.hides(item(), NOW) == "stock chatter"
    # Title matches but the feed does not: rule 1 does not apply.
    assert rules.hides(item(feed="https://reuters.example/", feed_title="Reuters"), NOW) == (
        "rule 2 (summary~'^sponsored:', feed~'Reuters')")
    assert rules.hides(item(title="Huawei ships Ascend 950"), NOW) is None
    # feed matches the feed title as well as the URL, case-insensitively.
    assert rules.hides(item(feed="https://x.example/", feed_title="scmp mirror"), NOW) == (
        "stock chatter")
    assert rules.hides(item(title="Other", published="2026-10-20T11:59:59Z"), NOW) == "stale"
    assert rules.hides(item(title="Other", published="2026-10-21T12:00:00Z"), NOW) is None


def test_toml_syntax_error_gives_no_rules_and_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '''[[rule]]
name = "ok"
title = "fine"
feed = "unterminated
''')
    rules, warning = load_ignore_rules(path)
    assert not rules
    assert warning is not None
    assert warning.startswith(f"{path} line 4: ")
    assert "no ignore rules applied" in warning


def test_bad_regex_skips_only_that_rule_and_names_the_key_line(tmp_path: Path) -> None:
    path = write(tmp_path, '''# my rules
[[rule]]
name = "good"
title = "rumou?r"

[[rule]]
name = "broken"
feed = "scmp"
title = "(unclosed"
''')
    rules, warning = load_ignore_rules(path)
    assert len(rules) == 1
    assert warning is not None
    assert warning.startswith(f"{path} line 9: bad regex '(unclosed'")
    assert "rule 2" in warning and "(1 rule skipped)" in warning
    assert rules.hides(item(title="Rumor: Nvidia B40"), NOW) == "good"


def test_risky_regex_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rule]]\nsummary = "(x+)+y"\n')
    rules, warning = load_ignore_rules(path)
    assert not rules
    assert warning is not None and "line 2" in warning and "repeats a repetition" in warning


def test_unknown_key_suggests_close_name(tmp_path: Path) -> None:
    path = write(tmp_path, '''[[rule]]
name = "typo"
titel = "x"
''')
    rules, warning = load_ignore_rules(path)
    assert not rules
    assert warning == (f"{path} line 3: unknown key 'titel' in rule 1; did you mean title?"
                       " (1 rule skipped)")


def test_unknown_top_level_key_suggests_rule(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rules]]\ntitle = "x"\n')
    rules, warning = load_ignore_rules(path)
    assert not rules
    assert warning is not None and warning.startswith(f"{path} line 1: unknown key 'rules'")
    assert "did you mean rule?" in warning


@pytest.mark.parametrize(("body", "message"), [
    ('[[rule]]\nname = "x"\n', "rule 1 has no condition"),
    ('[[rule]]\nolder_than_days = "30"\n', "line 2: 'older_than_days' must be a whole number"),
    ('[[rule]]\nolder_than_days = -1\n', "line 2: 'older_than_days' must be a whole number"),
    ('[[rule]]\nolder_than_days = 800000\n', "line 2: 'older_than_days' must be a whole number of days from 0 to 36500"),
    ('[[rule]]\nolder_than_days = ' + '9' * 5000 + '\n', "invalid TOML: a number with thousands of digits"),
    ('[[rule]]\ntitle = 5\n', "line 2: 'title' must be a string"),
    ('[[rule]]\nfeed = ""\n', "line 2: 'feed' is empty"),
    ('rule = "x"\n', "rule 1 is not a table"),
])
def test_invalid_rules_are_explained(tmp_path: Path, body: str, message: str) -> None:
    rules, warning = load_ignore_rules(write(tmp_path, body))
    assert not rules
    assert warning is not None and message in warning


def test_unreadable_file_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "ignore.toml"
    path.write_bytes(b'[[rule]]\ntitle = "\xff\xfe"\n')
    rules, warning = load_ignore_rules(path)
    assert not rules and warning is not None and str(path) in warning


def test_empty_rules_object_hides_nothing() -> None:
    assert IgnoreRules().hides(item(), NOW) is None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from briefing.ignore import parse_ignore_rules  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='[]rule=title"\'\nfedsumaryold_than_0123 #(*+)', max_size=80))
def test_any_file_content_gives_rules_or_a_warning_never_an_exception(text: str) -> None:
    rules, warning = parse_ignore_rules(text)
    assert warning is None or warning.startswith("ignore.toml")
    rules.hides(item(), NOW)
