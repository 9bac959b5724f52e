"""The ``arena`` command: thin Typer shells that parse input, call a service, print a result."""
