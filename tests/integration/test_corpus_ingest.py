"""Every real-world feed in the corpus ingests through ``chipwire feeds add PATH`` + ``refresh``.

This is the whole pipeline (local-file fetch with the size cap, parse, clean, tag, stories,
store) on feeds written by others. The corpus lives outside the repository:
``$CHIPWIRE_CORPUS`` (``.ci/run`` sets it, so CI never skips), else ``../shared/realworld-feeds``
beside the checkout; without either, the module is skipped rather than failed for a newcomer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.cli import main

_env = os.environ.get("CHIPWIRE_CORPUS")
CORPUS = Path(_env) if _env else Path(__file__).resolve().parents[3] / "shared" / "realworld-feeds"
if not CORPUS.is_dir():
    if _env:
        raise RuntimeError(f"CHIPWIRE_CORPUS={_env!r} is set but the directory does not exist")
    pytest.skip(f"corpus not present at {CORPUS}", allow_module_level=True)

MANIFEST = {row["file"]: row for row in json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))}

#: Files the pipeline must refuse, with the per-feed error kind (the refresh exits 1, nothing lost).
EXPECTED_ERRORS = {
    "node-feedparser/notafeed.html": "not-a-feed",  # an HTML page, not a feed
    "rsparser/allthis-partial.json": "malformed",  # a JSON Feed cut off mid-string
}
#: Where the stored count differs from the manifest's expat count, and why.
COUNT_EXCEPTIONS = {
    # One <item> has empty <title/>, <link/> and <description/>: nothing to show or key it by,
    # so it is dropped like the empty nested <item/>s of node-feedparser/illegally-nested.xml.
    "miniflux/no_encoding_ISO-8859-1.xml": 9,
    # Two <item>s repeat an earlier item's <guid> (scripting.com permalinks): the same id is
    # stored once, by contract, so 50 entries make 48 items.
    "rsparser/scriptingNews.rss": 48,
    # One episode is listed twice with the same <guid> (the mp3 URL): 131 entries, 130 items.
    "rss-parser/itunes-missing-image.rss": 130,
}


def run(home: Path, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    code = main(["--home", str(home), *args])
    out = capsys.readouterr().out
    return code, out


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file_ingests(name: str, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setenv("CHIPWIRE_NOW", "2025-11-28T12:00:00Z")
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    (home / "feeds.toml").write_text("", encoding="utf-8")
    # Corpus feeds are years old; keep them all (the default retention is 365 days).
    (home / "config.toml").write_text("[store]\nretention_days = 36500\n", encoding="utf-8")
    path = CORPUS / name
    code, _ = run(home, capsys, "feeds", "add", str(path))
    assert code == 0
    code, out = run(home, capsys, "refresh", "--json")
    report = json.loads(out)
    (feed,) = report["feeds"]
    if name in EXPECTED_ERRORS:
        assert code == 1
        assert feed["status"] == "error" and feed["error_kind"] == EXPECTED_ERRORS[name]
        return
    assert code == 0, feed
    assert feed["status"] == "ok", feed
    code, out = run(home, capsys, "items", "--json", "--show-hidden")
    items = json.loads(out)
    expected = COUNT_EXCEPTIONS.get(name, MANIFEST[name].get("expected_items"))
    if expected is not None:
        assert len(items) == expected
    for item in items:
        assert item["feed"] == str(path.resolve())
        assert item["published"].endswith("Z")
        assert all(ch not in item["title"] for ch in "\x1b\x00\u202e\u200b")
        if item["openable"]:
            assert item["link"].startswith(("http://", "https://"))
