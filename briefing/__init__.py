"""The analysis domain: themes, tagging, stories, the briefing model and Markdown digests. Pure; no I/O beyond reading its own data files."""
