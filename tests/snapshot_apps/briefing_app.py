"""The briefing app on fixed data and a frozen clock, for snapshot tests and manual looks.

``python tests/snapshot_apps/briefing_app.py`` runs it in the terminal on a temporary home.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``snapshot_apps`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapshot_apps.data import NOW, build_home  # noqa: E402


def make_snapshot_app(root: Path, items: list[dict] | None = None):
    """Build the app on a fresh home under ``root``: fixed items (or ``items``), frozen clock,
    no animation."""
    from tui.app import make_app

    paths = build_home(root, items)
    app = make_app(paths, now=NOW, opener=lambda url: None)
    app.animation_level = "none"
    return app


if __name__ == "__main__":
    make_snapshot_app(Path(tempfile.mkdtemp(prefix="chipwire-snap-"))).run()
