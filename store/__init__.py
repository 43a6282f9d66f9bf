"""TinyDB storage for chipwire. The only package that imports tinydb (lazily, on first use).

Public API: ``Store`` (see its docstrings and ``store/_store.py`` for the on-disk layout and the
consistency model), ``UpsertResult``, ``StoreError``/``StoreLocked``, ``SCHEMA_VERSION``,
``quarantine`` (move a bad file aside on the user's request) and ``store.home`` for the home folder.
"""

from ._atomic import quarantine
from ._errors import SCHEMA_VERSION, StoreError, StoreLocked
from ._store import Store, UpsertResult

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StoreLocked", "UpsertResult", "quarantine"]
