"""Package data for ``feeds``: the curated default subscriptions (``default_feeds.toml``).

A package (rather than a bare folder) so ``importlib.resources`` finds the file the same way in
an editable checkout and in an installed wheel.
"""
