"""Small modal dialogs the screens push: they ask one thing and dismiss with the answer."""
