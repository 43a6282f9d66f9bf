"""The installed chipwire version, read from package metadata so there is one source of truth."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("chipwire")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.1.0"

USER_AGENT = f"chipwire/{__version__} (+https://github.com/chipwire/chipwire; terminal feed reader)"
