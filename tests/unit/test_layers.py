"""The layers are enforced, not hoped for: the headless core never imports the UI.

Each check runs in a fresh interpreter so modules imported by other tests cannot hide a leak.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ("feeds", "store", "briefing", "core")


def _modules(package: str) -> list[str]:
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize("package", CORE)
def test_core_never_imports_textual_or_tui(package: str) -> None:
    modules = _modules(package)
    assert modules, f"{package} has no modules"
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'tui'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_only_store_imports_tinydb() -> None:
    offenders = []
    for package in ("feeds", "briefing", "core", "tui"):
        for path in (ROOT / package).rglob("*.py"):
            if "tinydb" in _imports(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize(
    "package,forbidden",
    [
        ("feeds", {"store", "briefing", "core", "tui", "textual"}),
        ("store", {"feeds", "briefing", "core", "tui", "textual"}),
        ("briefing", {"feeds", "store", "core", "tui", "textual", "tinydb"}),
        ("core", {"tui", "textual", "tinydb", "argparse"}),
    ],
)
def test_core_packages_do_not_import_each_other(package: str, forbidden: set[str]) -> None:
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = _imports(path) & forbidden
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_pipeline_and_settings_stay_textual_free() -> None:
    code = (
        "import json, sys, core.refresh, core.settings, tui.cli\n"
        "print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] == 'textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml's [tool.importlinter], checked by import-linter itself.

    It sees every import (inside functions and TYPE_CHECKING blocks too) and indirect chains,
    which the AST checks above do not.
    """
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), f"import-linter is a test dependency; {lint} is missing"
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
