"""Textual CSS for the chipwire app (package data)."""

from pathlib import Path

#: The CSS of the feeds, help and welcome screens and the dialogs, next to this package.
SCREENS_CSS = Path(__file__).resolve().parent / "screens.tcss"
