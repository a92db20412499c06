"""The local PEC provider's SMTP side: a real SMTPS server that answers like a PEC provider.

It takes messages over SMTP with implicit TLS and AUTH, checks them as a provider does, and
writes its signed receipts (built only by ``ricevute.py``) into the real sandbox Dovecot, where
the sender reads them back over IMAP. Beside it runs an ordinary mail server (STARTTLS) for
the e-mail channel. It shares no code with our sender or receipt parser (DESIGN.md).

Ordering that the sender relies on (RICEVUTE.md, "Timing and states"): an accepted message is
recorded, and its acceptance is in the sender's mailbox, before the 250 reply; so after a crash
the sender can search its mailbox for the acceptance and trust a miss. Delivery-side receipts
come later, from a worker thread (``coda.py``), as the scenario of each recipient says.

The SMTP listeners themselves (aiosmtpd, and its pitfalls) are in ``ascolto.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from email.errors import MessageError
from email.parser import BytesHeaderParser
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from corrispondenza.sandbox import CasellaPienaError, SandboxError
from corrispondenza.sandbox.ascolto import HOST, server_pec, server_posta
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati
from corrispondenza.sandbox.coda import CodaTemporizzata
from corrispondenza.sandbox.consegne import Caselle, LatoConsegna, ora_in_italia
from corrispondenza.sandbox.controlli import errore_formale
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.ricevute import Invio, accettazione, non_accettazione, nuovo_identificativo
from corrispondenza.sandbox.scenari import ElencoScenari, Esito, Scenario
from corrispondenza.sandbox.smime import Firmatario

LIMITE_LEGALE = 30 * 1024 * 1024  # 30 MB by law (RICEVUTE.md, "Limits")

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
        self._lock = threading.Lock()  # the snapshot and the registro file
        self._lock_mittenti = threading.Lock()  # apart: AUTH runs on the event loop, never behind an fsync
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
            self._server["pec"] = server_pec(self, self.ricevi_pec, self._certificati, self._limite)
            self._server["posta"] = server_posta(self, self.ricevi_posta, self._certificati, self._limite)
        except BaseException:
            self.ferma()
            raise

    def ferma(self) -> None:
        """Close the listeners, drop pending delivery steps, join every thread. Harmless twice."""
        server, self._server = self._server, {}
        for controller in server.values():
            controller.stop()
        if self._esecutore is not None:  # before the queue: a running acceptance may still schedule
            self._esecutore.shutdown(wait=True, cancel_futures=True)
            self._esecutore = None
        self._coda.ferma()

    # --- configuration ----------------------------------------------------------------------

    def aggiungi_mittente(self, indirizzo: str, password: str) -> None:
        """An account: SMTP AUTH login on both servers, and a Dovecot mailbox for its receipts."""
        self._caselle.aggiungi(indirizzo, password)
        with self._lock_mittenti:
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
        """Record; then the acceptance before the 250, or after the delivery for ``consegna_prima``.

        If writing the acceptance fails the client gets 451 but the message stays recorded: like a
        provider that crashed between taking a message and answering, the case the sender resolves.
        """
        invio, scenari = self._invio_e_scenari(originale, identificativo)
        ricevuta = accettazione(self._firmatario, invio, data=data)
        self._registra(_accettato(invio, login, "pec", data, originale))
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

    def _invio_e_scenari(self, originale: bytes, identificativo: str) -> tuple[Invio, dict[str, Scenario]]:
        """The Invio every receipt repeats, with ``esterno`` for recipients that are not PEC mailboxes."""
        invio = Invio.da_messaggio(originale, identificativo)
        scenari = {d: self._scenari.per(d) for d, _ in invio.destinatari}
        esterni = [d for d, s in scenari.items() if s.esito is Esito.ESTERNO]
        return Invio.da_messaggio(originale, identificativo, esterni=esterni), scenari

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
        invio = Invio(
            mittente=login,
            destinatari=tuple((d, "esterno") for d in destinatari),
            oggetto=str(testa.get("Subject", "")),
            msgid=str(testa.get("Message-ID", "")).strip(),
            identificativo="",
        )
        self._registra(_accettato(invio, login, "posta", ora_in_italia(), originale))
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
        with self._lock_mittenti:
            attesa = self._mittenti.get(auth_data.login.decode(errors="replace").lower())
        ok = attesa is not None and hmac.compare_digest(attesa, auth_data.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def esegui(self, funzione: Callable[..., str], *argomenti: Any) -> asyncio.Future[str]:
        """Blocking work (signing, LMTP, fsync) off the event loop, in the provider's own threads."""
        if self._esecutore is None:
            raise SandboxError("Il gestore PEC della sandbox non è avviato")
        return asyncio.get_running_loop().run_in_executor(self._esecutore, funzione, *argomenti)

    def risposta_rcpt(self, indirizzo: str) -> str | None:
        """The scenario's SMTP refusal at RCPT TO (451 or 550), or None: both servers ask."""
        return self._scenari.risposta_smtp(indirizzo)

    def _porta(self, nome: str) -> int:
        if nome not in self._server:
            raise SandboxError("Il gestore PEC della sandbox non è avviato")
        return self._server[nome].port


def _accettato(invio: Invio, login: str, canale: str, data: datetime, originale: bytes) -> MessaggioAccettato:
    return MessaggioAccettato(
        message_id=invio.msgid,
        identificativo=invio.identificativo or None,
        mittente=login,
        destinatari=tuple(d.lower() for d, _ in invio.destinatari),
        canale=canale,
        quando=data,
        dimensione=len(originale),
        sha256=hashlib.sha256(originale).hexdigest(),
    )


def _invio_per_avviso(login: str, destinatari: list[str], originale: bytes, identificativo: str) -> Invio:
    """The Invio a non-accettazione is about; addressed to the authenticated sender, who gets it.

    The message may be too malformed for ``Invio.da_messaggio`` (no From): then the envelope's data.
    """
    try:
        invio = Invio.da_messaggio(originale, identificativo)
    except (IndexError, ValueError, AttributeError, MessageError):
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
