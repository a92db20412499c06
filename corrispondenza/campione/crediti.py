"""Credit records: type mix, amounts, dates, descriptions and identifiers.

The amounts and dates are shaped to exercise the regolamento's thresholds: tickets below
the raccomandata threshold (10,33 euro), credits inside and outside the 3-12 month window
for the avviso, and a few old enough to be time-barred.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from .anagrafe import Soggetto
from .caso import intero, scegli, scegli_pesato
from .codici import lettere
from .formati import aggiungi_mesi, data_it, giorno_tra, importo_it, piu_giorni

QUOTE_TIPI: dict[str, float] = {
    "a": 0.55, "b": 0.12, "c": 0.10, "d": 0.03, "e": 0.08, "f": 0.07, "g": 0.05,
}  # fmt: skip
STRUTTURE_PREDEFINITE: dict[str, str] = {
    "a": "TICKET", "e": "TICKET", "b": "BILANCIO", "c": "BILANCIO",
    "d": "BILANCIO", "f": "BILANCIO", "g": "LEGALE",
}  # fmt: skip
PREFISSI_ID: dict[str, str] = {"TICKET": "TCK", "BILANCIO": "BIL", "LEGALE": "LEG"}

# How many credits one debtor has: mean about 1.43.
CREDITI_PER_DEBITORE = (1, 2, 3, 4, 5, 6)
PESI_CREDITI_PER_DEBITORE = (75.0, 15.0, 5.0, 2.5, 1.5, 1.0)
_CUMULATI_CREDITI_PER_DEBITORE = tuple(accumulate(PESI_CREDITI_PER_DEBITORE))

QUOTA_PRESCRITTI = 0.01
QUOTA_CON_SCADENZA = 0.70
SOGLIA_RACCOMANDATA = 1033  # cents


class Profilo(NamedTuple):
    """What a credit type looks like: amount range (cents), document series, wording."""

    minimo: int
    massimo: int
    serie: str
    descrizioni: tuple[str, ...]


PROFILI: dict[str, Profilo] = {
    "a": Profilo(
        500,
        15000,
        "NA",
        (
            "Ticket prestazione specialistica",
            "Ticket prestazione di diagnostica strumentale",
            "Ticket esami di laboratorio",
            "Ticket accesso al pronto soccorso",
        ),
    ),
    "b": Profilo(
        5000,
        500000,
        "FT",
        (
            "Canone di locazione",
            "Vendita beni",
            "Concessione spazi",
            "Rimborso spese di istruttoria",
            "Rilascio copia documentazione",
        ),
    ),
    "c": Profilo(
        8000,
        60000,
        "FT",
        (
            "Prestazione libero-professionale intramoenia",
            "Visita in regime di libera professione",
            "Certificazione medico-legale",
        ),
    ),
    "d": Profilo(
        10000,
        300000,
        "NA",
        (
            "Recupero somme indebitamente percepite",
            "Recupero emolumenti non dovuti",
            "Recupero indennità erogate in eccesso",
        ),
    ),
    "e": Profilo(
        2500,
        50000,
        "OI",
        ("Sanzione mancata disdetta prenotazione", "Ticket mancata disdetta"),
    ),
    "f": Profilo(
        10000,
        250000,
        "FT",
        (
            "Tariffa controlli ufficiali D.Lgs. 194/2008",
            "Tariffa controlli ufficiali D.Lgs. 32/2021",
            "Diritti registrazione attività alimentare",
        ),
    ),
    "g": Profilo(
        50000,
        2000000,
        "NA",
        (
            "Rimborso spese di giudizio",
            "Spese legali liquidate in sentenza",
            "Risarcimento danni patrimoniali",
        ),
    ),
}

# Typical ticket amounts (36,15 is the usual specialist-visit ceiling).
_TICKET_TIPICI = (1291, 1550, 1800, 2300, 2500, 2900, 3615, 4615)
_TICKET_PICCOLI = (310, 500, 850, 930, 1000)


@dataclass(slots=True, eq=False)
class Credito:
    """One credit; identifiers are assigned by :func:`numera` once all exist."""

    tipo: str
    struttura: str
    debitore: Soggetto
    prestazione: datetime.date
    documento: datetime.date
    scadenza: datetime.date | None
    importo: int  # cents
    descrizione: str
    id_credito: str = ""
    numero_documento: str = ""

    def riga(self) -> dict[str, str]:
        """The crediti.csv row, columns in file order."""
        return {
            "id_credito": self.id_credito,
            "tipo": self.tipo,
            "struttura": self.struttura,
            "codice_fiscale": self.debitore.codice_fiscale,
            "numero_documento": self.numero_documento,
            "data_documento": data_it(self.documento),
            "data_prestazione": data_it(self.prestazione),
            "scadenza": data_it(self.scadenza),
            "importo": importo_it(self.importo),
            "descrizione": self.descrizione,
        }


def ripartisci_tipi(n_crediti: int) -> dict[str, int]:
    """Exact count per type (largest remainder), every type present when n >= 7."""
    esatti = {tipo: n_crediti * quota for tipo, quota in QUOTE_TIPI.items()}
    conteggi = {tipo: int(valore) for tipo, valore in esatti.items()}
    resto = n_crediti - sum(conteggi.values())
    per_resto = sorted(esatti, key=lambda t: conteggi[t] - esatti[t])  # stable on ties
    for tipo in per_resto[:resto]:
        conteggi[tipo] += 1
    if n_crediti >= len(QUOTE_TIPI):
        for tipo, quanti in conteggi.items():
            if quanti == 0:
                conteggi[tipo] = 1
                conteggi["a"] -= 1
    return conteggi


def quanti_crediti(rng: random.Random) -> int:
    """Number of credits of a new debtor."""
    return scegli_pesato(rng, CREDITI_PER_DEBITORE, _CUMULATI_CREDITI_PER_DEBITORE)


def importo(rng: random.Random, tipo: str) -> int:
    """Amount in cents, skewed towards small values like real receivables."""
    if tipo == "a":
        return _importo_ticket(rng)
    profilo = PROFILI[tipo]
    return _log_uniforme(rng, profilo.minimo, profilo.massimo)


def _importo_ticket(rng: random.Random) -> int:
    """Ticket amount: about 8% below the raccomandata threshold, 1% exactly on it."""
    tiro = rng.random()
    if tiro < 0.01:
        return SOGLIA_RACCOMANDATA
    if tiro < 0.09:
        if rng.random() < 0.5:
            return scegli(rng, _TICKET_PICCOLI)
        return intero(rng, 500, SOGLIA_RACCOMANDATA - 1)
    if tiro < 0.40:
        return scegli(rng, _TICKET_TIPICI)
    return _log_uniforme(rng, SOGLIA_RACCOMANDATA + 1, PROFILI["a"].massimo)


def _log_uniforme(rng: random.Random, minimo: int, massimo: int) -> int:
    """Cents between minimo and massimo, denser near minimo."""
    valore = minimo * (massimo / minimo) ** (rng.random() ** 1.3)
    return min(max(round(valore), minimo), massimo)


def data_prestazione(
    rng: random.Random,
    oggi: datetime.date,
    nato_il: datetime.date | None,
    vicino_a: datetime.date | None = None,
) -> datetime.date:
    """Service date: 1-24 months ago, 1% 5-11 years ago; never before the debtor's birth."""
    inizio = aggiungi_mesi(oggi, -24)
    fine = aggiungi_mesi(oggi, -1)
    if vicino_a is not None:  # repeated services of one debtor cluster in time
        inizio = piu_giorni(vicino_a, -45)
        fine = min(fine, piu_giorni(vicino_a, 45))
    elif rng.random() < QUOTA_PRESCRITTI:
        remoto = aggiungi_mesi(oggi, -12 * 11)
        if nato_il is None or nato_il < remoto:
            return giorno_tra(rng, remoto, aggiungi_mesi(oggi, -12 * 5))
    if nato_il is not None:
        inizio = max(inizio, piu_giorni(nato_il, 1))
    return giorno_tra(rng, inizio, fine)


def prescrivibile(credito: Credito, oggi: datetime.date) -> bool:
    """Whether a credit is one of the old ones (5-11 years) meant to test prescription.

    Ordinary credits are at most about 26 months old, so a three-year cut catches exactly
    the old ones and their clustered siblings. They get no payment and no letter that would
    interrupt prescription (sollecito, ordinanza), so that they stay unambiguous test cases.
    """
    return credito.prestazione < aggiungi_mesi(oggi, -36)


def nuovo_credito(
    rng: random.Random,
    oggi: datetime.date,
    tipo: str,
    struttura: str,
    debitore: Soggetto,
    vicino_a: datetime.date | None = None,
) -> Credito:
    """A credit of the given type, without identifiers yet."""
    prestazione = data_prestazione(rng, oggi, debitore.nascita, vicino_a)
    documento = min(piu_giorni(prestazione, intero(rng, 0, 40)), oggi)
    scadenza = None
    if rng.random() < QUOTA_CON_SCADENZA:
        scadenza = piu_giorni(documento, scegli(rng, (30, 60)))
    descrizione = scegli(rng, PROFILI[tipo].descrizioni)
    return Credito(
        tipo, struttura, debitore, prestazione, documento, scadenza, importo(rng, tipo), descrizione
    )


def prefisso(struttura: str) -> str:
    """Readable id prefix of a struttura: TCK, BIL, LEG, or its first three letters."""
    return PREFISSI_ID.get(struttura) or (lettere(struttura)[:3] or "CRE")


def numera(crediti: list[Credito]) -> None:
    """Sort by document date and assign progressive ids and document numbers.

    Counters are per (prefix, year) for ids and per (struttura, series, year) for document
    numbers, so both stay unique even when two strutture share a prefix.
    """
    crediti.sort(key=lambda credito: credito.documento)
    id_contatori: dict[tuple[str, int], int] = {}
    doc_contatori: dict[tuple[str, str, int], int] = {}
    for credito in crediti:
        anno = credito.documento.year
        chiave_id = (prefisso(credito.struttura), anno)
        id_contatori[chiave_id] = id_contatori.get(chiave_id, 0) + 1
        credito.id_credito = f"{chiave_id[0]}-{anno}-{id_contatori[chiave_id]:06d}"
        serie = PROFILI[credito.tipo].serie
        chiave_doc = (credito.struttura, serie, anno)
        doc_contatori[chiave_doc] = doc_contatori.get(chiave_doc, 0) + 1
        credito.numero_documento = f"{serie}/{anno}/{doc_contatori[chiave_doc]:06d}"
