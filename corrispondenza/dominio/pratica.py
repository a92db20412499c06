"""A credit with every fact the rules look at: the *pratica* as a clerk would pull it from the files.

Plain frozen dataclasses, built by the store and read by ``regole/``; nothing here knows about
the database. Amounts are ``Decimal``, dates ``datetime.date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.stato import StatoCredito

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Persona:
    """A soggetto as the rules see it: identity, how to reach them, life events."""

    id: int
    codice_fiscale: str
    tipo: TipoSoggetto
    nominativo: str
    data_nascita: date | None = None
    ha_indirizzo: bool = True
    email: str | None = None
    pec: str | None = None
    deceduto_il: date | None = None
    fallimento_il: date | None = None

    def minorenne(self, oggi: date, maggiore_eta: int) -> bool:
        """DESIGN.md: a minor is under 18 on the evaluation date."""
        if self.data_nascita is None or self.tipo is not TipoSoggetto.FISICA:
            return False
        compiuti = oggi.year - self.data_nascita.year
        if (oggi.month, oggi.day) < (self.data_nascita.month, self.data_nascita.day):
            compiuti -= 1
        return compiuti < maggiore_eta

    def deceduto(self, oggi: date) -> bool:
        return self.deceduto_il is not None and self.deceduto_il <= oggi

    def fallito(self, oggi: date) -> bool:
        return self.fallimento_il is not None and self.fallimento_il <= oggi


@dataclass(frozen=True, slots=True)
class Rappresentante:
    """Art. 6 c. 8: who receives the letters of a minor (genitore or tutore)."""

    persona: Persona
    relazione: str


@dataclass(frozen=True, slots=True)
class Erede:
    persona: Persona
    quota: Fraction


@dataclass(frozen=True, slots=True)
class Pagamento:
    data: date
    importo: Decimal


@dataclass(frozen=True, slots=True)
class LetteraInviata:
    """A letter already sent (storico or produced by the tool) and what is known of its delivery."""

    tipo: TipoLettera
    canale: Canale
    data_invio: date
    esito: EsitoStorico
    data_consegna: date | None = None
    spese: Decimal = Decimal("0.00")
    destinatario_id: int | None = None

    @property
    def notificata(self) -> bool:
        """Art. 6 c. 10: signed A/R card, compiuta giacenza or PEC delivery receipt."""
        return self.esito.notificata and self.data_consegna is not None

    @property
    def fallita(self) -> bool:
        return self.esito is EsitoStorico.MANCATA_CONSEGNA


@dataclass(frozen=True, slots=True)
class Pratica:
    """One credit (Art. 2) with its debtor, representatives, heirs, payments and letters."""

    credito_id: int
    id_esterno: str
    struttura: str
    tipo: TipoCredito
    importo: Decimal
    debitore: Persona
    stato: StatoCredito = StatoCredito.APERTO
    data_documento: date | None = None
    data_prestazione: date | None = None
    scadenza: date | None = None
    rappresentanti: tuple[Rappresentante, ...] = ()
    eredi: tuple[Erede, ...] = ()
    pagamenti: tuple[Pagamento, ...] = ()
    lettere: tuple[LetteraInviata, ...] = ()

    def residuo(self, oggi: date) -> Decimal:
        """DESIGN.md: the amount minus the payments dated on or before the evaluation date."""
        if not self.pagamenti:  # most credits: the same subtraction, without the generator
            return self.importo - _ZERO
        return self.importo - sum((p.importo for p in self.pagamenti if p.data <= oggi), _ZERO)

    def lettere_di(self, *tipi: TipoLettera) -> list[LetteraInviata]:
        """The letters of these kinds, oldest first."""
        if not self.lettere:
            return []
        scelte = [x for x in self.lettere if x.tipo in tipi]
        if len(scelte) > 1:
            scelte.sort(key=lambda x: x.data_invio)
        return scelte
