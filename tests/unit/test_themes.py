"""Loading and validating themes.toml: the built-in analysis and users' broken or extended copies."""

from __future__ import annotations

import hashlib
import tomllib
import os
from pathlib import Path

import pytest

from briefing.tagger import Tagger
from briefing.themes import THEME_IDS, ThemeSet, load_builtin, load_themes, parse_themes, theme_file_text

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "themes.md"


def test_builtin_has_the_contract_ids_in_order():
    themes = load_builtin()
    assert isinstance(themes, ThemeSet)
    assert themes.ids == THEME_IDS
    assert len(THEME_IDS) == 10


def test_contract_ids_match_shared_themes_md():
    if not CONTRACT.exists():
        if os.environ.get("CI") or os.environ.get("CHIPWIRE_TAGGING_DEV"):
            pytest.fail(f"contract file missing: {CONTRACT}")
        pytest.skip(f"shared/themes.md not present at {CONTRACT} (a clone without ../shared)")
    import re

    found = re.findall(r"^\| `([a-z-]+)` \|", CONTRACT.read_text(encoding="utf-8"), re.M)
    assert tuple(found) == THEME_IDS


def test_builtin_reads_as_a_document():
    themes = load_builtin()
    assert len(themes.analysis.split("\n\n")) >= 4, "analysis: a few paragraphs"
    for theme in themes.themes:
        assert theme.title and len(theme.thesis) > 150, theme.id
        assert len(theme.watch) >= 3, theme.id
        assert any(r.weight < 0 for r in theme.rules), f"{theme.id}: needs a negative/context rule"
    assert themes.title_of("gray-market") == "The gray market"
    assert themes.title_of("nope") == "nope"
    assert themes.by_id("nope") is None


def test_digest_and_source():
    themes = load_builtin()
    assert themes.digest == hashlib.sha256(theme_file_text().encode("utf-8")).hexdigest()
    assert themes.source == "<built-in>"
    from briefing.themes import builtin_digest

    assert builtin_digest() == themes.digest  # refresh trusts it to skip parsing the built-in set


def test_no_user_file_or_missing_file_gives_builtin(tmp_path):
    assert load_themes(None) == (load_builtin(), None)
    themes, warning = load_themes(tmp_path / "themes.toml")
    assert warning is None and themes.source == "<built-in>"


def test_valid_user_copy_is_used_with_its_own_digest(tmp_path):
    path = tmp_path / "themes.toml"
    text = theme_file_text().replace('title = "The gray market"', 'title = "Smuggling"')
    path.write_text(text, encoding="utf-8")
    themes, warning = load_themes(path)
    assert warning is None
    assert themes.source == path
    assert themes.title_of("gray-market") == "Smuggling"
    assert themes.digest == hashlib.sha256(path.read_bytes()).hexdigest() != load_builtin().digest


def test_user_can_add_a_theme(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text(
        theme_file_text()
        + '\n[[theme]]\nid = "photonics"\ntitle = "Optical interconnects"\nthesis = "Light between chips."\n'
        + 'watch = ["co-packaged optics"]\nrules = [{ weight = 4, any = ["co-packaged optics", "silicon photonics"] }]\n',
        encoding="utf-8",
    )
    themes, warning = load_themes(path)
    assert warning is None
    assert themes.ids[-1] == "photonics"
    tagged = Tagger(themes).tag("Silicon photonics start-up raises funds", "")
    assert [t["id"] for t in tagged] == ["photonics"]


def broken(tmp_path: Path, text: str) -> str:
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    themes, warning = load_themes(path)
    assert themes is load_builtin(), "a broken file must fall back to the built-in set"
    assert warning is not None and str(path) in warning
    return warning


def test_toml_syntax_error_names_line(tmp_path):
    lines = theme_file_text().splitlines()
    lines[11] = "this is = = not toml"
    warning = broken(tmp_path, "\n".join(lines))
    assert "themes.toml line 12:" in warning


def test_unknown_key_suggests_close_match(tmp_path):
    text = theme_file_text().replace("{ weight = 4, all = [\"@smuggling\"", "{ wieght = 4, all = [\"@smuggling\"", 1)
    warning = broken(tmp_path, text)
    assert "'wieght'" in warning and "did you mean 'weight'" in warning
    line = int(warning.split(" line ")[1].split(":")[0])
    assert "wieght" in text.splitlines()[line - 1]


def test_bad_regex_names_its_line(tmp_path):
    text = theme_file_text().replace('"re:10\\\\^2\\\\d"', '"re:10[^2"', 1)
    assert text != theme_file_text()
    warning = broken(tmp_path, text)
    assert "bad regular expression" in warning
    line = int(warning.split(" line ")[1].split(":")[0])
    assert "re:10[^2" in text.splitlines()[line - 1]


def test_duplicate_id(tmp_path):
    text = theme_file_text().replace('id = "enforcement"', 'id = "gray-market"')
    warning = broken(tmp_path, text)
    assert "duplicate theme id 'gray-market'" in warning
    assert " line " in warning


def test_unknown_concept_reference(tmp_path):
    text = theme_file_text().replace('"@smuggling", "@chip"', '"@smugling", "@chip"', 1)
    warning = broken(tmp_path, text)
    assert "unknown concept '@smugling'" in warning and "did you mean 'smuggling'" in warning


def test_missing_contract_theme_must_be_deliberate(tmp_path):
    doc = tomllib.loads(theme_file_text())
    start = theme_file_text().index('[[theme]]\nid = "compute-geopolitics"')
    text = theme_file_text()[:start]
    warning = broken(tmp_path, text)
    assert "compute-geopolitics" in warning and "removed" in warning
    # Listing it in `removed` makes the removal deliberate and the file valid.
    path = tmp_path / "themes.toml"
    path.write_text('removed = ["compute-geopolitics"]\n' + text, encoding="utf-8")
    themes, warning = load_themes(path)
    assert warning is None and "compute-geopolitics" not in themes.ids
    assert len(doc["theme"]) == 10


def test_parse_themes_rejects_capturing_group():
    from briefing.themes import ThemesError

    text = b'removed = ' + repr(list(THEME_IDS)).replace("'", '"').encode() + b'''
[[theme]]
id = "x"
title = "X"
rules = [{ weight = 3, any = ["re:(a|b)c"] }]
'''
    with pytest.raises(ThemesError, match="non-capturing"):
        parse_themes(text, source="<t>")


def test_unreadable_bytes(tmp_path):
    warning = broken(tmp_path, "")
    assert "no themes" in warning
    path = tmp_path / "themes.toml"
    path.write_bytes(b"\xff\xfe\x00")
    themes, warning = load_themes(path)
    assert warning and "UTF-8" in warning
