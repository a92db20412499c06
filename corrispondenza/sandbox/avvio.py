"""The whole sandbox in one call: certificates, Dovecot, the PEC provider and one sender account.

Used by ``corrispondenza sandbox`` (for a person), the demo and the benchmarks, so that all of
them start the same thing the same way, and stop it cleanly.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corrispondenza.sandbox.certificati import Certificati, crea_certificati
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.gestore import LIMITE_LEGALE, GestorePec

UTENTE_PREDEFINITO = "recupero.crediti@pec.ausl-esempio.example.it"
VARIABILE_PASSWORD = "CORRISPONDENZA_PEC_PASSWORD"  # noqa: S105 - the name of a variable
NOME_REGISTRO = "registro.jsonl"


@dataclass(frozen=True)
class SandboxAvviata:
    """A running sandbox: the servers, and the throwaway account a sender logs in with."""

    cartella: Path
    certificati: Certificati
    dovecot: ServerDovecot
    gestore: GestorePec
    utente: str
    password: str

    @property
    def registro(self) -> Path:
        return self.cartella / NOME_REGISTRO

    def dati_connessione(self) -> dict[str, Any]:
        """What a client needs, without the password (it is printed only where it is meant to be pasted)."""
        return {
            "host": self.gestore.host,
            "porta_smtp_pec": self.gestore.porta_smtp,
            "porta_smtp_posta": self.gestore.porta_posta,
            "porta_imap": self.dovecot.porta_imap,
            "porta_imaps": self.dovecot.porta_imaps,
            "utente": self.utente,
            "ca": str(self.certificati.ca_cert.resolve()),
            "registro": str(self.registro.resolve()),
        }


@contextmanager
def avvia_sandbox(
    cartella: Path, *, utente: str = UTENTE_PREDEFINITO, limite_byte: int = LIMITE_LEGALE
) -> Iterator[SandboxAvviata]:
    """Start everything (certificates made or reused in ``cartella``); stop it all on exit.

    The account gets a fresh random password on every start: it is a sandbox account, and a
    password that changes cannot end up written in a config file by habit.
    """
    certificati = crea_certificati(cartella)
    with (
        ServerDovecot(certificati) as dovecot,
        GestorePec(
            certificati, dovecot, limite_byte=limite_byte, registro=cartella / NOME_REGISTRO
        ) as gestore,
    ):
        password = secrets.token_urlsafe(18)
        gestore.aggiungi_mittente(utente, password)
        yield SandboxAvviata(cartella, certificati, dovecot, gestore, utente, password)
