"""The command line (Typer): Italian verbs, ``--json`` on every read command, stable exit codes.

``base`` holds the app and the error handling; each module adds its commands to the app.
"""

from corrispondenza.cli import archivio, consegne, invio, lotti, modelli, ricevute, sandbox  # noqa: F401  (registers the commands)
from corrispondenza.cli.base import ExitStatus, app, main

__all__ = ["ExitStatus", "app", "main"]
