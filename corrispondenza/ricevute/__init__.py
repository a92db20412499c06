"""PEC receipts read back: the reader independent of the sandbox provider that writes them.

``parser`` is pure (bytes of one message in, a ``Ricevuta`` out, never an exception);
``firma`` checks the provider's S/MIME signature with ``openssl`` (a subprocess, so kept apart).
The format is ``shared/pec/RICEVUTE.md``; nothing here imports ``corrispondenza.sandbox``.
"""
