"""``python -m tui.cli`` runs the chipwire CLI (tests use it to get a real process)."""

import sys

from tui.cli import run

sys.exit(run())
