"""Fetching, parsing and cleaning feeds: knows HTTP and feed formats, nothing about themes, storage or the UI."""
