"""Everything a person touches in the terminal: the chipwire CLI and the Textual app."""
