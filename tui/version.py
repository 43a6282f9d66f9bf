"""The chipwire version: the one source of truth (pyproject.toml reads it from here).

A constant rather than ``importlib.metadata``: that import alone cost ~35 ms of every
``chipwire`` start, and a refresh that finds every feed unchanged is meant to take a few
tenths of a second.
"""

__version__ = "0.1.0"

USER_AGENT = f"chipwire/{__version__} (+https://github.com/chipwire/chipwire; terminal feed reader)"
