"""The local PEC provider's SMTP side: a real SMTPS server that answers like a PEC provider.

It takes messages over SMTP with implicit TLS and AUTH, checks them as a provider does, and
writes its signed receipts (built only by ``ricevute.py``) into the real sandbox Dovecot, where
the sender reads them back over IMAP. Beside it runs an ordinary mail server (STARTTLS) for
the e-mail channel. It shares no code with our sender or receipt parser (DESIGN.md).

Ordering that the sender relies on (RICEVUTE.md, "Timing and states"): an accepted message is
recorded, and its acceptance is in the sender's mailbox, before the 250 reply; so after a crash
the sender can search its mailbox for the acceptance and trust a miss. Delivery-side receipts
come later, from a worker thread (``coda.py``), as the scenario of each recipient says.

aiosmtpd pitfalls (AMBIENTE.md §4) are handled where they bite: implicit TLS is not seen as
TLS, so AUTH must not require it; ``hostname`` is given so the server never binds ``::1``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from corrispondenza.sandbox import CasellaPienaError, SandboxError
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati
from corrispondenza.sandbox.coda import CodaTemporizzata
from corrispondenza.sandbox.consegne import Caselle, LatoConsegna, ora_in_italia
from corrispondenza.sandbox.controlli import errore_formale
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.ricevute import Invio, accettazione, non_accettazione, nuovo_identificativo
from corrispondenza.sandbox.scenari import ElencoScenari, Esito, Scenario
from corrispondenza.sandbox.smime import Firmatario

HOST = "127.0.0.1"
NOME_SERVER = "localhost"  # the EHLO name, and a name in the server certificate's SAN
LIMITE_LEGALE = 30 * 1024 * 1024  # 30 MB by law (RICEVUTE.md, "Limits")
RISPOSTA_ERRORE_INTERNO = "451 4.3.0 Errore interno del gestore, riprovare più tardi"

log = logging.getLogger(__name__)

__all__ = ["Esito", "GestorePec", "MessaggioAccettato", "Scenario"]


@dataclass(frozen=True)
class MessaggioAccettato:
    """One submission the provider took: what its registro keeps (both channels)."""

    message_id: str  # with its angle brackets; "" for ordinary mail without one
    identificativo: str | None  # None for ordinary mail
    mittente: str
    destinatari: tuple[str, ...]
    canale: str  # "pec" | "posta"
    quando: datetime
    dimensione: int
    sha256: str

    def come_json(self) -> dict[str, Any]:
        dati = asdict(self)
        dati["destinatari"] = list(self.destinatari)
        dati["quando"] = self.quando.isoformat()
        return dati


class GestorePec:
    """The provider: a PEC SMTPS listener, an ordinary STARTTLS listener, receipts into Dovecot."""

    def __init__(
        self,
        certificati: Certificati,
        dovecot: ServerDovecot,
        *,
        limite_byte: int = LIMITE_LEGALE,
        registro: Path | None = None,
    ) -> None:
        self._certificati = certificati
        self._limite = limite_byte
        self._registro = registro
        self._firmatario = Firmatario.da_file(
            certificati.firma_cert,
            certificati.firma_key,
            gestore=NOME_PROVIDER,
            dominio=certificati.dominio_provider,
        )
        self._caselle = Caselle(dovecot)
        self._consegne = LatoConsegna(self._firmatario, self._caselle)
        self._scenari = ElencoScenari()
        self._mittenti: dict[str, bytes] = {}
        self._accettati: list[MessaggioAccettato] = []
        self._lock = threading.Lock()
        self._coda = CodaTemporizzata()
        self._esecutore: ThreadPoolExecutor | None = None
        self._server: dict[str, Controller] = {}

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> GestorePec:
        self.avvia()
        return self

    def __exit__(
        self, tipo: type[BaseException] | None, errore: BaseException | None, traccia: TracebackType | None
    ) -> None:
        self.ferma()

    def avvia(self) -> None:
        """Start the worker thread and both listeners on free loopback ports."""
        if self._server:
            raise SandboxError("Il gestore PEC della sandbox è già avviato")
        # aiosmtpd logs a deprecation on every AUTH (Session.login_data): noise, not news.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self._esecutore = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gestore-pec-smtp")
        self._coda.avvia()
        try:
            self._server["pec"] = _avvia_controller(self._controller_pec)
            self._server["posta"] = _avvia_controller(self._controller_posta)
        except BaseException:
            self.ferma()
            raise

    def ferma(self) -> None:
        """Close the listeners, drop pending delivery steps, join every thread. Harmless twice."""
        server, self._server = self._server, {}
        for controller in server.values():
            controller.stop()
        self._coda.ferma()
        if self._esecutore is not None:
            self._esecutore.shutdown(wait=True, cancel_futures=True)
            self._esecutore = None

    # --- configuration ----------------------------------------------------------------------

    def aggiungi_mittente(self, indirizzo: str, password: str) -> None:
        """An account: SMTP AUTH login on both servers, and a Dovecot mailbox for its receipts."""
        self._caselle.aggiungi(indirizzo, password)
        with self._lock:
            self._mittenti[indirizzo.lower()] = password.encode()

    def scenario(self, modello: str, scenario: Scenario) -> None:
        """What happens to messages for recipients matching ``modello`` (fnmatch; first added wins)."""
        self._scenari.aggiungi(modello, scenario)

    def password_casella(self, indirizzo: str) -> str | None:
        """The IMAP password of a mailbox the provider made (an account, or a recipient on first delivery)."""
        return self._caselle.password(indirizzo)

    # --- what a test reads ------------------------------------------------------------------

    @property
    def host(self) -> str:
        return HOST

    @property
    def porta_smtp(self) -> int:
        """SMTP with implicit TLS (SMTPS) and AUTH: the PEC submission port."""
        return self._porta("pec")

    @property
    def porta_posta(self) -> int:
        """SMTP with STARTTLS required before AUTH: the ordinary mail server."""
        return self._porta("posta")

    @property
    def accettati(self) -> list[MessaggioAccettato]:
        """A snapshot, in acceptance order, of both servers."""
        with self._lock:
            return list(self._accettati)

    def conta(self, message_id: str) -> int:
        """How many accepted submissions carried this Message-ID (with its angle brackets)."""
        message_id = message_id.strip()
        with self._lock:
            return sum(1 for m in self._accettati if m.message_id == message_id)

    def attendi_quiete(self, timeout: float = 10) -> None:
        """Wait until every scheduled receipt and delivery has been written (or raise)."""
        self._coda.attendi_quiete(timeout)

    # --- the PEC submission (runs in the executor, never on the event loop) -------------------

    def ricevi_pec(self, login: str, mittente_smtp: str, destinatari: list[str], originale: bytes) -> str:
        """Check, record, write the acceptance, schedule the delivery side; return the SMTP reply."""
        data = ora_in_italia()
        identificativo = nuovo_identificativo(self._certificati.dominio_provider, data)
        errore = errore_formale(
            originale,
            login=login,
            mittente_smtp=mittente_smtp,
            destinatari_smtp=destinatari,
            limite_byte=self._limite,
        )
        if errore is not None:
            self._non_accetta(login, destinatari, originale, identificativo, data, errore)
        else:
            self._accetta(login, originale, identificativo, data)
        return f"250 2.0.0 Ok: queued as {identificativo}"

    def _accetta(self, login: str, originale: bytes, identificativo: str, data: datetime) -> None:
        invio = Invio.da_messaggio(originale, identificativo)
        scenari = {d: self._scenari.per(d) for d, _ in invio.destinatari}
        esterni = [d for d, s in scenari.items() if s.esito is Esito.ESTERNO]
        invio = Invio.da_messaggio(originale, identificativo, esterni=esterni)
        ricevuta = accettazione(self._firmatario, invio, data=data)
        self._registra(
            MessaggioAccettato(
                message_id=invio.msgid,
                identificativo=identificativo,
                mittente=login,
                destinatari=tuple(d.lower() for d in scenari),
                canale="pec",
                quando=data,
                dimensione=len(originale),
                sha256=hashlib.sha256(originale).hexdigest(),
            )
        )
        scrivi_accettazione = self._alla_mittente(login, ricevuta)
        prima = [self._consegne.passi(invio, originale, d, s) for d, s in scenari.items() if s.consegna_prima]
        dopo = [
            self._consegne.passi(invio, originale, d, s) for d, s in scenari.items() if not s.consegna_prima
        ]
        if prima:
            for passi in prima:  # scheduled first: at equal times they run before the acceptance
                self._pianifica(passi)
            self._coda.pianifica(max(passi[0][0] for passi in prima), scrivi_accettazione)
        else:
            scrivi_accettazione()  # before the 250: the sender's crash search depends on it
        for passi in dopo:
            self._pianifica(passi)

    def _non_accetta(
        self,
        login: str,
        destinatari: list[str],
        originale: bytes,
        identificativo: str,
        data: datetime,
        errore: str,
    ) -> None:
        """A signed non-accettazione to the authenticated sender; nothing recorded, nothing sent on."""
        invio = _invio_per_avviso(login, destinatari, originale, identificativo)
        ricevuta = non_accettazione(self._firmatario, invio, data=data, errore_esteso=errore)
        self._alla_mittente(login, ricevuta)()

    def _alla_mittente(self, login: str, ricevuta: bytes) -> Callable[[], None]:
        def scrivi() -> None:
            self._caselle.consegna(login, ricevuta, mittente=self._firmatario.indirizzo)

        return scrivi

    def _pianifica(self, passi: list[tuple[float, Callable[[], None]]]) -> None:
        for ritardo, lavoro in passi:
            self._coda.pianifica(ritardo, lavoro)

    # --- the ordinary mail submission -------------------------------------------------------

    def ricevi_posta(self, login: str, mittente_smtp: str, destinatari: list[str], originale: bytes) -> str:
        """Ordinary mail: delivered as it is into each recipient's mailbox, recorded, no receipts."""
        if login != mittente_smtp.lower():
            return "553 5.7.1 Mittente non autorizzato per l'utente autenticato"
        try:
            for destinatario in destinatari:
                self._caselle.consegna(destinatario, originale, mittente=mittente_smtp)
        except CasellaPienaError:
            return "552 5.2.2 Casella del destinatario piena"
        testa = BytesHeaderParser().parsebytes(originale)
        self._registra(
            MessaggioAccettato(
                message_id=str(testa.get("Message-ID", "")).strip(),
                identificativo=None,
                mittente=login,
                destinatari=tuple(d.lower() for d in destinatari),
                canale="posta",
                quando=ora_in_italia(),
                dimensione=len(originale),
                sha256=hashlib.sha256(originale).hexdigest(),
            )
        )
        return "250 2.0.0 Ok: consegnato"

    # --- shared -----------------------------------------------------------------------------

    def _registra(self, messaggio: MessaggioAccettato) -> None:
        """Into the snapshot and the JSONL registro (fsync'd): the provider's word on what it took."""
        with self._lock:
            if self._registro is not None:
                _aggiungi_riga(self._registro, json.dumps(messaggio.come_json(), ensure_ascii=False))
            self._accettati.append(messaggio)

    def autentica(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """aiosmtpd authenticator (PLAIN and LOGIN): the accounts added with ``aggiungi_mittente``."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        with self._lock:
            attesa = self._mittenti.get(auth_data.login.decode(errors="replace").lower())
        ok = attesa is not None and hmac.compare_digest(attesa, auth_data.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def esegui(self, funzione: Callable[..., str], *argomenti: Any) -> asyncio.Future[str]:
        """Blocking work (signing, LMTP, fsync) off the event loop, in the provider's own threads."""
        if self._esecutore is None:
            raise SandboxError("Il gestore PEC della sandbox non è avviato")
        return asyncio.get_running_loop().run_in_executor(self._esecutore, funzione, *argomenti)

    def risposta_rcpt(self, indirizzo: str) -> str | None:
        return self._scenari.risposta_smtp(indirizzo)

    def _controller_pec(self, porta: int) -> Controller:
        """SMTPS. AUTH is enforced at MAIL by the handler, not by ``auth_required`` (see ``_Sessione``)."""
        return Controller(
            _Sessione(self, self.ricevi_pec, impone_auth=True),
            hostname=HOST,
            port=porta,
            ssl_context=self._certificati.ssl_context_server(),
            authenticator=self.autentica,
            auth_require_tls=False,  # AMBIENTE.md §4 pitfall 1: implicit TLS is not seen as TLS
            server_hostname=NOME_SERVER,
            data_size_limit=2 * self._limite + 1024 * 1024,  # oversize must reach the handler
        )

    def _controller_posta(self, porta: int) -> Controller:
        return Controller(
            _Sessione(self, self.ricevi_posta, impone_auth=False),
            hostname=HOST,
            port=porta,
            tls_context=self._certificati.ssl_context_server(),
            require_starttls=True,
            authenticator=self.autentica,
            auth_required=True,  # with auth_require_tls (default): AUTH only after STARTTLS
            server_hostname=NOME_SERVER,
            data_size_limit=self._limite,  # an ordinary server just says 552
        )

    def _porta(self, nome: str) -> int:
        if nome not in self._server:
            raise SandboxError("Il gestore PEC della sandbox non è avviato")
        return self._server[nome].port


class _Sessione:
    """aiosmtpd handler hooks of one listener; the work itself is the provider's.

    ``impone_auth``: with implicit TLS, aiosmtpd's own ``auth_required`` needs
    ``auth_require_tls=False`` and then warns on every connection (a ``UserWarning``, an error
    under pytest ``-W error``; a warnings filter would not survive pytest's per-test reset, and
    is not thread-safe). Refusing MAIL before AUTH here gives the same ``530 5.7.0`` without it.
    """

    def __init__(self, gestore: GestorePec, ricevi: Callable[..., str], *, impone_auth: bool) -> None:
        self._gestore = gestore
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
        rifiuto = self._gestore.risposta_rcpt(address)
        if rifiuto is not None:
            return rifiuto
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode(errors="replace").lower()
        originale = envelope.original_content or b""
        try:
            return await self._gestore.esegui(
                self._ricevi, login, envelope.mail_from or "", list(envelope.rcpt_tos), originale
            )
        except Exception:
            log.exception("Messaggio da %s non elaborato dal gestore PEC", login)
            return RISPOSTA_ERRORE_INTERNO


def _invio_per_avviso(login: str, destinatari: list[str], originale: bytes, identificativo: str) -> Invio:
    """The Invio a non-accettazione is about; addressed to the authenticated sender, who gets it.

    The message may be too malformed for ``Invio.da_messaggio`` (no From): then the envelope's data.
    """
    try:
        invio = Invio.da_messaggio(originale, identificativo)
    except (IndexError, ValueError, AttributeError):
        testa = BytesHeaderParser().parsebytes(originale)
        invio = Invio(
            mittente=login,
            destinatari=tuple((d, "certificato") for d in destinatari),
            oggetto=str(testa.get("Subject", "")),
            msgid=str(testa.get("Message-ID", "")).strip(),
            identificativo=identificativo,
        )
    return replace(invio, mittente=login)


def _aggiungi_riga(percorso: Path, riga: str) -> None:
    """Append and fsync; 0600, as every file with addresses in it (riservato.py)."""
    descrittore = os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descrittore, (riga + "\n").encode())
        os.fsync(descrittore)
    finally:
        os.close(descrittore)


def _avvia_controller(fabbrica: Callable[[int], Controller], tentativi: int = 5) -> Controller:
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
