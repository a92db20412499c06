"""What the rules decide for a credit on a day: letters to propose, or why not, and reports.

Every decision carries the article it rests on (``"6.6"`` = Art. 6 c. 6) and an Italian text
a clerk can read in the review table (DESIGN.md, "The rules").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from corrispondenza.dominio.euro import ZERO
from corrispondenza.dominio.pratica import Persona
from corrispondenza.dominio.tipi import Canale, TipoLettera


class Ruolo(StrEnum):
    """In what capacity the recipient receives the letter (Art. 6 c. 8)."""

    DEBITORE = "debitore"
    GENITORE = "genitore"
    TUTORE = "tutore"
    EREDE = "erede"


class TipoSegnalazione(StrEnum):
    FALLIMENTO = "fallimento"
    STRALCIO = "stralcio"
    PRESCRIZIONE = "prescrizione"
    REVISIONE = "revisione"
    RUOLO_DIRETTO = "ruolo_diretto"


@dataclass(frozen=True, slots=True)
class Motivo:
    articolo: str
    testo: str


@dataclass(frozen=True, slots=True)
class Importi:
    principale: Decimal = ZERO
    interessi: Decimal = ZERO
    spese: Decimal = ZERO
    maggiorazione: Decimal = ZERO

    @property
    def totale(self) -> Decimal:
        return self.principale + self.interessi + self.spese + self.maggiorazione


@dataclass(frozen=True, slots=True)
class LetteraProposta:
    """One credit's part of a letter. ``importi.spese`` are the costs already charged on this
    credit (Art. 6 c. 9); the postage of the letter itself is added once per letter when the
    credits of one recipient are grouped (``regole/raggruppa.py``)."""

    tipo: TipoLettera
    canale: Canale
    destinatario: Persona
    ruolo: Ruolo
    importi: Importi
    motivi: tuple[Motivo, ...]


@dataclass(frozen=True, slots=True)
class Esclusione:
    """No letter today, and why; ``dal`` is the first day a letter becomes possible, if known."""

    articolo: str
    motivo: str
    dal: date | None = None


@dataclass(frozen=True, slots=True)
class Segnalazione:
    """A report for another office (Bilancio, Legale) or for a person to review."""

    tipo: TipoSegnalazione
    articolo: str
    motivo: str
    importi: Importi | None = None
    destinatario: Persona | None = None


@dataclass(frozen=True, slots=True)
class Decisione:
    """``sotto_soglia``: raccomandate that go out only if, grouped with the recipient's other
    credits, the residual reaches the ruolo minimum (Art. 6 c. 5: "raggruppare i crediti in
    funzione di limiti minimi d'importo"); until then ``esclusione`` (6.6) stands."""

    credito_id: int
    lettere: tuple[LetteraProposta, ...] = ()
    esclusione: Esclusione | None = None
    segnalazioni: tuple[Segnalazione, ...] = field(default=())
    sotto_soglia: tuple[LetteraProposta, ...] = ()
