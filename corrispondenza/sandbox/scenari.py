"""What the sandbox provider does with a message, per recipient: the scenarios a test asks for.

A scenario is chosen by the recipient's address (an ``fnmatch`` pattern), so one provider can
deliver to some addresses, bounce others and stay silent for a third group at the same time,
as real recipients do within one mass mailing.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase


class Esito(enum.StrEnum):
    """What the recipient's side does with a PEC message (RICEVUTE.md, "Kinds of provider message")."""

    CONSEGNATA = "consegnata"  # envelope in the mailbox, avvenuta-consegna to the sender
    CASELLA_INESISTENTE = "casella-inesistente"  # errore-consegna 5.1.1
    CASELLA_PIENA = "casella-piena"  # the real Dovecot quota refuses the envelope: errore-consegna 5.2.2
    RIFIUTATA = "rifiutata"  # the recipient's provider refuses it: errore-consegna 5.7.1
    SENZA_RISPOSTA = "senza-risposta"  # preavviso, then errore-consegna 5.4.1
    ESTERNO = "esterno"  # not a PEC mailbox: acceptance only, delivered as ordinary mail


@dataclass(frozen=True)
class Scenario:
    """The behaviour for one group of recipients; the default is a plain, prompt delivery.

    ``ritardo`` (seconds) delays each delivery-side step, never the acceptance;
    ``duplicata`` writes the final delivery-side receipt twice (a re-read);
    ``consegna_prima`` writes it before the acceptance (receipts arrive out of order);
    ``smtp_temporanei`` answers 451 to the first N RCPT TO for the address;
    ``smtp_permanente`` answers 550 to every RCPT TO for the address.
    """

    esito: Esito = Esito.CONSEGNATA
    ritardo: float = 0.0
    duplicata: bool = False
    consegna_prima: bool = False
    smtp_temporanei: int = 0
    smtp_permanente: bool = False


# errore-esteso texts: led by the code the reconciler classifies on (RICEVUTE.md, "daticert.xml").
ERRORI_ESTESI: dict[Esito, tuple[str, str]] = {
    Esito.CASELLA_INESISTENTE: ("no-dest", "5.1.1 - Casella di posta inesistente - indirizzo non valido"),
    Esito.CASELLA_PIENA: ("altro", "5.2.2 - Casella di posta del destinatario piena"),
    Esito.RIFIUTATA: ("altro", "5.7.1 - Messaggio rifiutato dal gestore del destinatario"),
    Esito.SENZA_RISPOSTA: (
        "altro",
        "5.4.1 - Tempo massimo di consegna superato: nessuna risposta dal gestore del destinatario",
    ),
}

RISPOSTA_TEMPORANEA = "451 4.3.0 Errore temporaneo del gestore, riprovare più tardi"
RISPOSTA_PERMANENTE = "550 5.1.1 Destinatario rifiutato dal gestore"


class ElencoScenari:
    """The scenarios in the order they were added, and the per-address count of SMTP refusals.

    Thread-safe: SMTP commands arrive on the servers' event loops while a test adds scenarios.
    """

    def __init__(self) -> None:
        self._modelli: list[tuple[str, Scenario]] = []
        self._rifiuti: dict[str, int] = {}
        self._lock = threading.Lock()

    def aggiungi(self, modello: str, scenario: Scenario) -> None:
        with self._lock:
            self._modelli.append((modello.lower(), scenario))

    def per(self, indirizzo: str) -> Scenario:
        """The first scenario whose pattern matches the lowercased address; else a delivery."""
        indirizzo = indirizzo.lower()
        with self._lock:
            for modello, scenario in self._modelli:
                if fnmatchcase(indirizzo, modello):
                    return scenario
        return Scenario()

    def risposta_smtp(self, indirizzo: str) -> str | None:
        """The refusal due at RCPT TO for this address, or None to accept it.

        Each call is one submission attempt: the first ``smtp_temporanei`` get 451, later ones pass.
        """
        scenario = self.per(indirizzo)
        if scenario.smtp_permanente:
            return RISPOSTA_PERMANENTE
        with self._lock:
            visti = self._rifiuti.get(indirizzo.lower(), 0)
            if visti >= scenario.smtp_temporanei:
                return None
            self._rifiuti[indirizzo.lower()] = visti + 1
        return RISPOSTA_TEMPORANEA
