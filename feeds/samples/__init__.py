"""Bundled sample feeds for the offline demo (written by the chipwire project)."""
