"""Textual CSS for the chipwire app (package data)."""
