"""The chipwire version: the one source of truth (pyproject.toml reads it from here).

A constant rather than ``importlib.metadata``: that import alone cost ~35 ms of every
``chipwire`` start, and a refresh that finds every feed unchanged is meant to take a few
tenths of a second.
"""

__version__ = "0.1.0"

#: What chipwire tells the servers it polls: name and version, so their operators can see who
#: is polling, and what kind of client it is.
USER_AGENT = f"chipwire/{__version__} (terminal news briefing reader; RSS/Atom poller; python-httpx)"
