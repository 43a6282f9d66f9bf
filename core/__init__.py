"""The headless application: the use cases both faces (CLI and Textual app) go through.

No Textual, no argparse, no printing here: the CLI and the app in ``tui/`` turn what these
modules return into text, exit codes and screens.
"""
