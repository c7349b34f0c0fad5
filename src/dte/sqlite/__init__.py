"""The embedded SQLite database backend (``ENGINE = "dte.sqlite"``); see base.py."""
