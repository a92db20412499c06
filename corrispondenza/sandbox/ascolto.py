"""The two SMTP listeners of the sandbox provider (aiosmtpd), and the hooks they call it through.

The listeners only speak SMTP; every decision and every blocking step is the provider's
(``gestore.py``), run in its own threads so the event loop never waits on signing or LMTP.
aiosmtpd pitfalls (AMBIENTE.md §4) are handled here, where they bite.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from corrispondenza.sandbox import SandboxError
from corrispondenza.sandbox.certificati import Certificati

HOST = "127.0.0.1"  # pitfall 5: without it Controller binds "::1" whenever it can
NOME_SERVER = "localhost"  # the EHLO name, and a name in the server certificate's SAN
RISPOSTA_ERRORE_INTERNO = "451 4.3.0 Errore interno del gestore, riprovare più tardi"

log = logging.getLogger(__name__)

Ricevi = Callable[[str, str, list[str], bytes], str]  # login, MAIL FROM, RCPT TOs, bytes -> reply


class Provider(Protocol):
    """What a listener needs from the provider."""

    def autentica(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult: ...

    def risposta_rcpt(self, indirizzo: str) -> str | None: ...

    def esegui(self, funzione: Callable[..., str], *argomenti: Any) -> asyncio.Future[str]: ...


def server_pec(provider: Provider, ricevi: Ricevi, certificati: Certificati, limite_byte: int) -> Controller:
    """SMTPS (TLS from the first byte) with AUTH; started on a free port."""

    def fabbrica(porta: int) -> Controller:
        return Controller(
            Sessione(provider, ricevi, impone_auth=True),
            hostname=HOST,
            port=porta,
            ssl_context=certificati.ssl_context_server(),
            authenticator=provider.autentica,
            auth_require_tls=False,  # pitfall 1: aiosmtpd does not see implicit TLS as TLS
            server_hostname=NOME_SERVER,
            # Oversize must reach the provider, which answers with a non-accettazione.
            data_size_limit=2 * limite_byte + 1024 * 1024,
        )

    return _avvia(fabbrica)


def server_posta(
    provider: Provider, ricevi: Ricevi, certificati: Certificati, limite_byte: int
) -> Controller:
    """An ordinary mail server: STARTTLS required, then AUTH; started on a free port."""

    def fabbrica(porta: int) -> Controller:
        return Controller(
            Sessione(provider, ricevi, impone_auth=False),
            hostname=HOST,
            port=porta,
            tls_context=certificati.ssl_context_server(),
            require_starttls=True,
            authenticator=provider.autentica,
            auth_required=True,  # with the default auth_require_tls: AUTH only after STARTTLS
            server_hostname=NOME_SERVER,
            data_size_limit=limite_byte,  # an ordinary server just says 552
        )

    return _avvia(fabbrica)


class Sessione:
    """aiosmtpd handler hooks of one listener; the work itself is the provider's.

    ``impone_auth``: on the implicit-TLS listener aiosmtpd's own ``auth_required`` would need
    ``auth_require_tls=False`` and then emits a ``UserWarning`` on every connection, an error
    under pytest ``-W error``; a warnings filter would not survive pytest's per-test reset of
    the filters, and is not thread-safe. Refusing MAIL before AUTH here gives the same
    ``530 5.7.0`` without the warning (RCPT and DATA need a MAIL first).
    """

    def __init__(self, provider: Provider, ricevi: Ricevi, *, impone_auth: bool) -> None:
        self._provider = provider
        self._ricevi = ricevi
        self._impone_auth = impone_auth

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._impone_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        rifiuto = self._provider.risposta_rcpt(address)
        if rifiuto is not None:
            return rifiuto
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode(errors="replace").lower()
        argomenti = (
            login,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
            envelope.original_content or b"",
        )
        try:
            return await self._provider.esegui(self._ricevi, *argomenti)
        except Exception:  # the client gets a temporary error, the provider keeps serving
            log.exception("Messaggio da %s non elaborato dal gestore PEC", login)
            return RISPOSTA_ERRORE_INTERNO


def _avvia(fabbrica: Callable[[int], Controller], tentativi: int = 5) -> Controller:
    """Start on a free port; another process may take the port between the probe and the bind."""
    for _ in range(tentativi):
        controller = fabbrica(_porta_libera())
        try:
            controller.start()
            return controller
        except OSError:
            controller.stop(no_assert=True)
            controller.loop.close()
    raise SandboxError("Nessuna porta libera per il gestore PEC della sandbox")


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]
