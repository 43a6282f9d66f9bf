"""Apps and fixed data shared by the TUI Pilot tests, the snapshot tests and the benchmark."""
