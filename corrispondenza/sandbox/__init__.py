"""The local PEC provider used by the tests and the demo: a test CA, a real Dovecot, and SMTP (aiosmtpd).

It shares no code with the sender or the receipt parser it exercises: it builds everything from
the format notes on its own, so that a mistake in one cannot hide in the other (DESIGN.md).
"""

from __future__ import annotations

from corrispondenza.errors import CorrispondenzaError


class SandboxError(CorrispondenzaError):
    """The local PEC provider cannot start, or refused a delivery for a reason not named below."""


class CasellaInesistenteError(SandboxError):
    """Delivery to an address that has no mailbox in the sandbox Dovecot."""


class CasellaPienaError(SandboxError):
    """Delivery refused because the mailbox is over its quota (the "mailbox full" scenario)."""
