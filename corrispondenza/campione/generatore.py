"""Entry point: a deterministic, realistic sample of the ASL's receivables.

Everything is drawn from one ``random.Random(seed)`` in a fixed order and ``oggi`` is
passed in, so the same arguments always give byte-identical files: demos, tests and
benchmarks can rely on the exact content.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

from .anagrafe import Anagrafe, Soggetto
from .crediti import (
    QUOTE_TIPI,
    STRUTTURE_PREDEFINITE,
    Credito,
    numera,
    nuovo_credito,
    quanti_crediti,
    ripartisci_tipi,
)
from .famiglie import (
    data_decesso,
    data_fallimento,
    eredi_del_defunto,
    rappresentanti_del_minore,
)
from .pagamenti import genera_pagamenti
from .scrittura import Campione
from .storico import genera_storico

QUOTA_MINORI_TICKET = 0.06
QUOTA_DECEDUTI = 0.03
QUOTA_FALLITI = 0.15
QUOTA_RAVVICINATI = 0.5  # debtors whose several credits fall within a few weeks
QUOTA_SANZIONE_A_PAZIENTE = 0.25  # type e credits charged to an existing ticket debtor
QUOTA_GIURIDICHE: dict[str, float] = {"b": 0.20, "f": 0.85, "g": 0.40}


class _Generatore:
    """Builds debtors and their credits type by type, with family relations."""

    def __init__(self, rng: random.Random, oggi: datetime.date, strutture: Mapping[str, str]):
        self.rng = rng
        self.oggi = oggi
        self.strutture = strutture
        self.anagrafe = Anagrafe(rng, oggi)
        self.crediti: list[Credito] = []
        self.relazioni: list[dict[str, str]] = []
        self._pazienti: list[Soggetto] = []  # living adult ticket debtors

    def crediti_del_tipo(self, tipo: str, quanti: int) -> None:
        """Create exactly ``quanti`` credits of one type, grouped by debtor."""
        while quanti > 0:
            numero = min(quanti, quanti_crediti(self.rng))
            debitore, nuovo = self._debitore(tipo)
            nuovi = self._crediti_di(debitore, tipo, numero)
            if nuovo:
                self._completa(debitore, tipo, nuovi)
            quanti -= numero

    def _debitore(self, tipo: str) -> tuple[Soggetto, bool]:
        """The debtor of a new group of credits, and whether it is a new adult or company."""
        rng, anagrafe = self.rng, self.anagrafe
        if tipo == "e" and self._pazienti and rng.random() < QUOTA_SANZIONE_A_PAZIENTE:
            return rng.choice(self._pazienti), False
        if tipo == "a" and rng.random() < QUOTA_MINORI_TICKET:
            minore = anagrafe.persona(anagrafe.nascita_minore(), contatti=False)
            self.relazioni.extend(rappresentanti_del_minore(anagrafe, rng, minore))
            return minore, False
        if rng.random() < QUOTA_GIURIDICHE.get(tipo, 0.0):
            return anagrafe.azienda(alimentare=tipo == "f"), True
        if tipo == "d":  # staff of working age
            return anagrafe.persona(anagrafe.nascita_adulto(23, 67, 48)), True
        return anagrafe.persona(anagrafe.nascita_adulto()), True

    def _crediti_di(self, debitore: Soggetto, tipo: str, numero: int) -> list[Credito]:
        """``numero`` credits of one debtor, sometimes clustered around the first one."""
        rng, oggi, struttura = self.rng, self.oggi, self.strutture[tipo]
        primo = nuovo_credito(rng, oggi, tipo, struttura, debitore)
        vicino = primo.prestazione if rng.random() < QUOTA_RAVVICINATI else None
        nuovi = [primo]
        for _ in range(numero - 1):
            nuovi.append(nuovo_credito(rng, oggi, tipo, struttura, debitore, vicino))
        self.crediti.extend(nuovi)
        return nuovi

    def _completa(self, debitore: Soggetto, tipo: str, crediti: list[Credito]) -> None:
        """Bankruptcy of companies, death and heirs of persons, after their credits exist."""
        rng = self.rng
        if debitore.giuridica:
            if rng.random() < QUOTA_FALLITI:
                debitore.fallimento_il = data_fallimento(rng, self.oggi)
            return
        if rng.random() < QUOTA_DECEDUTI:
            ultima = max(credito.prestazione for credito in crediti)
            debitore.deceduto_il = data_decesso(rng, self.oggi, ultima)
            self.relazioni.extend(eredi_del_defunto(self.anagrafe, rng, debitore))
        elif tipo == "a":
            self._pazienti.append(debitore)


def _mappa_strutture(strutture: Mapping[str, str] | None) -> dict[str, str]:
    """Default mapping overridden by the caller's entries; unknown types are an error."""
    mappa = dict(STRUTTURE_PREDEFINITE)
    for tipo, struttura in (strutture or {}).items():
        if tipo not in QUOTE_TIPI:
            raise ValueError(f"tipo di credito sconosciuto: {tipo!r}")
        if not struttura:
            raise ValueError(f"struttura vuota per il tipo {tipo!r}")
        mappa[tipo] = struttura
    return mappa


def genera_campione(
    n_crediti: int,
    *,
    seed: int = 1,
    oggi: datetime.date,
    strutture: Mapping[str, str] | None = None,
) -> Campione:
    """Generate ``n_crediti`` credits with their debtors, relations, payments and history.

    ``oggi`` is the reference day: nothing happens after it and ages are computed on it.
    ``strutture`` maps a credit type (a..g) to a struttura code; missing types keep the
    default mapping.
    """
    if n_crediti < 0:
        raise ValueError(f"n_crediti negativo: {n_crediti}")
    if isinstance(oggi, datetime.datetime):
        oggi = oggi.date()
    rng = random.Random(seed)
    generatore = _Generatore(rng, oggi, _mappa_strutture(strutture))
    for tipo, quanti in ripartisci_tipi(n_crediti).items():
        generatore.crediti_del_tipo(tipo, quanti)
    crediti = generatore.crediti
    numera(crediti)
    pagamenti = genera_pagamenti(crediti, rng, oggi)
    storico = genera_storico(crediti, rng, oggi)
    return Campione(
        soggetti=[soggetto.riga() for soggetto in generatore.anagrafe.soggetti],
        relazioni=generatore.relazioni,
        crediti=[credito.riga() for credito in crediti],
        pagamenti=pagamenti,
        storico=storico,
    )
