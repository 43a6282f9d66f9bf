"""``python -m tui.cli`` runs the chipwire CLI (tests use it to get a real process)."""

import sys

from tui.cli import main

sys.exit(main())
