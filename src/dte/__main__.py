from dte.cli import entry

entry()
