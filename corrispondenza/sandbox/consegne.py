"""The provider's delivery side: envelopes into recipients' mailboxes, receipts into the sender's.

Every message is built by ``ricevute.py`` and every mailbox is the real sandbox Dovecot, so what
a test reads back over IMAP is what a provider would have written. Each scenario (scenari.py)
becomes a short list of timed steps for ``CodaTemporizzata``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import datetime

from corrispondenza.orologio import adesso
from corrispondenza.sandbox import CasellaInesistenteError, CasellaPienaError
from corrispondenza.sandbox.daticert import in_italia
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.ricevute import (
    Invio,
    avvenuta_consegna,
    busta_di_trasporto,
    errore_consegna,
    preavviso_errore_consegna,
)
from corrispondenza.sandbox.scenari import ERRORI_ESTESI, Esito, Scenario
from corrispondenza.sandbox.smime import Firmatario

# Smaller than any signed envelope (the signature alone is ~2 KB): Dovecot's quota refuses it.
QUOTA_MINIMA = 512

Passo = tuple[float, Callable[[], None]]


def ora_in_italia() -> datetime:
    """The daticert time of an event: the real current time, in Italian time."""
    return in_italia(adesso())


class Caselle:
    """The provider's view of the Dovecot mailboxes: the ones it made, with their passwords.

    A recipient's mailbox is made on first delivery, with a random password, and never replaced
    afterwards (a mailbox made by someone else keeps its password too).
    """

    def __init__(self, dovecot: ServerDovecot) -> None:
        self._dovecot = dovecot
        self._password: dict[str, str] = {}
        self._lock = threading.Lock()

    def aggiungi(self, indirizzo: str, password: str, *, quota_byte: int | None = None) -> None:
        with self._lock:
            self._dovecot.aggiungi_casella(indirizzo, password, quota_byte=quota_byte)
            self._password[indirizzo.lower()] = password

    def password(self, indirizzo: str) -> str | None:
        with self._lock:
            return self._password.get(indirizzo.lower())

    def riduci_a_piena(self, indirizzo: str) -> None:
        """A tiny quota on the mailbox (made if needed): the real LMTP refuses the next message."""
        password = self.password(indirizzo) or secrets.token_urlsafe(12)
        self.aggiungi(indirizzo, password, quota_byte=QUOTA_MINIMA)

    def consegna(self, destinatario: str, messaggio: bytes, *, mittente: str) -> None:
        """LMTP into the INBOX; an unknown recipient gets a mailbox first (the sandbox has no strangers)."""
        try:
            self._dovecot.consegna(destinatario, messaggio, mittente=mittente)
        except CasellaInesistenteError:
            self._crea_se_manca(destinatario)
            self._dovecot.consegna(destinatario, messaggio, mittente=mittente)

    def _crea_se_manca(self, indirizzo: str) -> None:
        """Two threads may both find it missing: only the first makes it, so its password holds."""
        with self._lock:
            if indirizzo.lower() not in self._password:
                password = secrets.token_urlsafe(12)
                self._dovecot.aggiungi_casella(indirizzo, password)
                self._password[indirizzo.lower()] = password


class LatoConsegna:
    """Turns one (message, recipient, scenario) into the timed steps the recipient's side takes."""

    def __init__(self, firmatario: Firmatario, caselle: Caselle) -> None:
        self._firmatario = firmatario
        self._caselle = caselle

    def passi(self, invio: Invio, originale: bytes, destinatario: str, scenario: Scenario) -> list[Passo]:
        """The steps, each with its delay from now; the first one is the one ``consegna_prima`` awaits."""
        r = scenario.ritardo
        d = destinatario
        match scenario.esito:
            case Esito.CONSEGNATA:
                return [(r, lambda: self._consegna(invio, originale, d, scenario))]
            case Esito.CASELLA_PIENA:
                return [(r, lambda: self._consegna_a_piena(invio, originale, d, scenario))]
            case Esito.SENZA_RISPOSTA:
                return [
                    (r, lambda: self._preavviso(invio, d)),
                    (2 * r, lambda: self._errore(invio, d, scenario)),
                ]
            case Esito.ESTERNO:
                return [(r, lambda: self._posta_ordinaria(invio, originale, d))]
            case _:
                return [(r, lambda: self._errore(invio, d, scenario))]

    def _consegna(self, invio: Invio, originale: bytes, destinatario: str, scenario: Scenario) -> None:
        """The envelope into the mailbox; the receipt says what the recipient's Dovecot answered."""
        busta = busta_di_trasporto(self._firmatario, invio, originale, data=ora_in_italia())
        try:
            self._caselle.consegna(destinatario, busta, mittente=self._firmatario.indirizzo)
        except CasellaPienaError:
            self._errore(invio, destinatario, scenario, esito=Esito.CASELLA_PIENA)
            return
        ricevuta = avvenuta_consegna(
            self._firmatario, invio, destinatario=destinatario, data=ora_in_italia(), originale=originale
        )
        self._alla_mittente(invio, ricevuta, volte=2 if scenario.duplicata else 1)

    def _consegna_a_piena(
        self, invio: Invio, originale: bytes, destinatario: str, scenario: Scenario
    ) -> None:
        self._caselle.riduci_a_piena(destinatario)
        self._consegna(invio, originale, destinatario, scenario)

    def _errore(
        self, invio: Invio, destinatario: str, scenario: Scenario, *, esito: Esito | None = None
    ) -> None:
        errore, esteso = ERRORI_ESTESI[esito or scenario.esito]
        ricevuta = errore_consegna(
            self._firmatario,
            invio,
            destinatario=destinatario,
            data=ora_in_italia(),
            errore=errore,
            errore_esteso=esteso,
        )
        self._alla_mittente(invio, ricevuta, volte=2 if scenario.duplicata else 1)

    def _preavviso(self, invio: Invio, destinatario: str) -> None:
        ricevuta = preavviso_errore_consegna(
            self._firmatario, invio, destinatario=destinatario, data=ora_in_italia()
        )
        self._alla_mittente(invio, ricevuta)

    def _posta_ordinaria(self, invio: Invio, originale: bytes, destinatario: str) -> None:
        """Not a PEC mailbox: the envelope arrives as ordinary mail, and no receipt ever comes back."""
        busta = busta_di_trasporto(self._firmatario, invio, originale, data=ora_in_italia())
        self._caselle.consegna(destinatario, busta, mittente=self._firmatario.indirizzo)

    def _alla_mittente(self, invio: Invio, ricevuta: bytes, *, volte: int = 1) -> None:
        """Into the sender's mailbox; twice means the same bytes and Message-ID, as a re-read gives."""
        for _ in range(volte):
            self._caselle.consegna(invio.mittente, ricevuta, mittente=self._firmatario.indirizzo)
