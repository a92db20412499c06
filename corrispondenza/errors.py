"""The one exception tree of the project.

Every error carries an Italian message for the person at the terminal (``messaggio``) and a
precise context for the maintainer (``contesto``). The CLI maps each class to an exit status;
nothing else catches broadly (STYLE.md, "One error tree").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CorrispondenzaError(Exception):
    """Base of every error the project raises on purpose."""

    def __init__(self, messaggio: str, **contesto: Any) -> None:
        super().__init__(messaggio)
        self.messaggio = messaggio
        self.contesto = contesto


@dataclass(frozen=True)
class Problema:
    """One thing wrong in an input: where it is (file, row, column or YAML path) and why."""

    motivo: str
    file: str | None = None
    riga: int | None = None
    colonna: str | None = None
    valore: str | None = None
    percorso: str | None = None

    def posizione(self) -> str:
        """Italian description of where the problem is, for one-line messages."""
        parti = []
        if self.file:
            parti.append(self.file)
        if self.riga is not None:
            parti.append(f"riga {self.riga}")
        if self.colonna:
            parti.append(f"colonna «{self.colonna}»")
        if self.percorso:
            parti.append(self.percorso)
        return ", ".join(parti)

    def __str__(self) -> str:
        valore = f" (valore: «{self.valore}»)" if self.valore not in (None, "") else ""
        dove = self.posizione()
        return f"{dove}: {self.motivo}{valore}" if dove else f"{self.motivo}{valore}"


@dataclass
class ElencoProblemi:
    """Collects every problem of an input so that the user gets all of them at once."""

    problemi: list[Problema] = field(default_factory=list)

    def aggiungi(self, motivo: str, **dove: Any) -> None:
        self.problemi.append(Problema(motivo=motivo, **dove))

    def __bool__(self) -> bool:
        return bool(self.problemi)

    def __len__(self) -> int:
        return len(self.problemi)


class InputNonValidoError(CorrispondenzaError):
    """Bad input from the user: config, data file, argument. Exit status 3, nothing written."""

    def __init__(self, messaggio: str, problemi: list[Problema] | None = None, **contesto: Any):
        super().__init__(messaggio, **contesto)
        self.problemi = problemi or []

    def __str__(self) -> str:
        righe = [self.messaggio, *(f"  - {p}" for p in self.problemi)]
        return "\n".join(righe)


class ConfigError(InputNonValidoError):
    """config.yaml is missing, unreadable or invalid; each problem names the YAML path."""


class DatiNonValidiError(InputNonValidoError):
    """An import file has invalid rows; each problem names file, row, column and value."""


class NonTrovatoError(CorrispondenzaError):
    """A debtor, credit or lotto asked for by the user does not exist."""


class StoreError(CorrispondenzaError):
    """The database cannot be opened, migrated or written."""


class TransizioneNonValidaError(CorrispondenzaError):
    """A state change not allowed by the one transition table (stato.py)."""


class GiornaleError(StoreError):
    """An attempt to alter the append-only event journal."""


class RegoleError(CorrispondenzaError):
    """A rule cannot be applied with the data or config given."""


class TassoMancanteError(RegoleError):
    """An interest rate needed for a period is missing from config.yaml (``interessi``)."""


class ModelloNonValidoError(InputNonValidoError):
    """A letter template has unknown fields, bad syntax or forbidden constructs (exit status 3).

    Each problem names the template file and where in it: body, header or footer, and the
    paragraph with its text, so the legal office finds it in Word.
    """


class ConversioneError(CorrispondenzaError):
    """LibreOffice cannot be started or driven: the whole conversion stops, not one letter."""


class PdfError(CorrispondenzaError):
    """A PDF is missing, unreadable or empty: LibreOffice exits 0 even when it wrote nothing."""


class TrasportoError(CorrispondenzaError):
    """A mail server (PEC provider or SMTP) did not take a message; ``codice`` and ``risposta``
    carry the server's own reply, recorded on the letter."""

    def __init__(self, messaggio: str, *, codice: int | None = None, risposta: str = "", **contesto: Any):
        super().__init__(messaggio, codice=codice, risposta=risposta, **contesto)
        self.codice = codice
        self.risposta = risposta


class TrasportoTemporaneoError(TrasportoError):
    """Refused for now (4xx, connection lost before the message was sent): retry with backoff."""


class TrasportoPermanenteError(TrasportoError):
    """Refused for good (5xx): the letter fails with the server's reply; retrying cannot help."""


class EsitoIncertoError(TrasportoError):
    """The connection broke after the message was handed over and before the server's answer:
    the server may have taken it. Only its receipts can tell; the letter must not be resent blind."""


class InvioInCorsoError(CorrispondenzaError):
    """Another ``invia`` holds the sending lease: two senders could send the same letter twice."""


class CasellaNonDisponibileError(TrasportoError):
    """The PEC mailbox cannot be reached or refuses the login: nothing is concluded about any
    letter; the reconciler retries with backoff, ``invia`` leaves its uncertain letters pending."""
