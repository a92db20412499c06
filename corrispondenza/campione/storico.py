"""Letters sent before the tool was adopted: avvisi, solleciti and ordinanze-ingiunzione.

The history lets the engine decide what comes next for each credit (a credit already
warned gets a sollecito, not a second avviso). One physical letter may cover several
credits of the same debtor and struttura; its rows then share the same ``id_lettera``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from .anagrafe import Soggetto
from .crediti import Credito, prescrivibile
from .formati import aggiungi_mesi, data_it, giorno_tra, piu_giorni

QUOTA_AVVISO = 0.20
QUOTA_SOLLECITO = 1 / 3
QUOTA_ORDINANZA = 0.50
QUOTA_LETTERA_CUMULATIVA = 0.70
QUOTA_PEC = 0.75
SPESE_RACCOMANDATA = "9,50"
ESITI_RACCOMANDATA = ("consegnata", "compiuta_giacenza", "mancata_consegna", "in_attesa")
PESI_ESITI_RACCOMANDATA = (65.0, 15.0, 8.0, 12.0)
_GIORNI_CONSEGNA = {"consegnata": (2, 10), "compiuta_giacenza": (30, 40)}


@dataclass(slots=True)
class _Lettera:
    """One letter as sent; it becomes one storico row per credit it covered."""

    lettera: str
    crediti: list[Credito]
    data_invio: datetime.date
    canale: str
    esito: str
    data_consegna: datetime.date | None = None
    destinatario: str = ""

    def righe(self, id_lettera: str) -> list[dict[str, str]]:
        """storico.csv rows; letter-level fields (spese included) repeat on each row."""
        spese = SPESE_RACCOMANDATA if self.canale == "raccomandata_ar" else ""
        return [
            {
                "id_credito": credito.id_credito,
                "lettera": self.lettera,
                "data_invio": data_it(self.data_invio),
                "canale": self.canale,
                "data_consegna": data_it(self.data_consegna),
                "esito": self.esito,
                "spese": spese,
                "id_lettera": id_lettera,
                "destinatario": self.destinatario,
            }
            for credito in self.crediti
        ]


def _finestra_avviso(credito: Credito, oggi: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Days on which an avviso could have gone out: 3-6 months after the service."""
    inizio = max(credito.documento, aggiungi_mesi(credito.prestazione, 3))
    return inizio, min(aggiungi_mesi(credito.prestazione, 6), oggi)


def _blocchi(
    gruppo: list[Credito], rng: random.Random, oggi: datetime.date
) -> list[tuple[list[Credito], datetime.date, datetime.date]]:
    """Credits warned together, with the window common to all of them.

    Credits of one debtor and struttura share a letter when their windows overlap (and
    the office chose to batch them); otherwise each gets its own letter.
    """
    cumulativa = len(gruppo) > 1 and rng.random() < QUOTA_LETTERA_CUMULATIVA
    blocchi: list[tuple[list[Credito], datetime.date, datetime.date]] = []
    for credito in sorted(gruppo, key=lambda c: c.prestazione):
        inizio, fine = _finestra_avviso(credito, oggi)
        if cumulativa and blocchi:
            membri, inizio_b, fine_b = blocchi[-1]
            if max(inizio, inizio_b) <= min(fine, fine_b):
                blocchi[-1] = ([*membri, credito], max(inizio, inizio_b), min(fine, fine_b))
                continue
        blocchi.append(([credito], inizio, fine))
    return blocchi


def _avviso(
    crediti: list[Credito], inizio: datetime.date, fine: datetime.date, rng: random.Random
) -> _Lettera:
    """An avviso by e-mail (if the debtor has one) or ordinary mail."""
    debitore = crediti[0].debitore
    canale = "email" if debitore.email and rng.random() < 0.5 else "posta_ordinaria"
    return _Lettera("avviso", crediti, giorno_tra(rng, inizio, fine), canale, "inviata")


def _sollecito(
    crediti: list[Credito], avviso: datetime.date, rng: random.Random, oggi: datetime.date
) -> _Lettera | None:
    """A sollecito 3-6 months after the avviso, by PEC or raccomandata A/R."""
    inizio = aggiungi_mesi(avviso, 3)
    if inizio > oggi:
        return None
    invio = giorno_tra(rng, inizio, min(aggiungi_mesi(avviso, 6), oggi))
    debitore: Soggetto = crediti[0].debitore
    destinatario = debitore.rappresentante or debitore
    lettera = _Lettera("sollecito", crediti, invio, "raccomandata_ar", "in_attesa")
    if debitore.rappresentante is not None:
        lettera.destinatario = debitore.rappresentante.codice_fiscale
    if destinatario.pec and rng.random() < QUOTA_PEC:
        lettera.canale, lettera.esito = "pec", "consegnata"
        lettera.data_consegna = min(piu_giorni(invio, rng.randint(0, 1)), oggi)
        return lettera
    esito = rng.choices(ESITI_RACCOMANDATA, weights=PESI_ESITI_RACCOMANDATA)[0]
    if esito in _GIORNI_CONSEGNA:
        consegna = piu_giorni(invio, rng.randint(*_GIORNI_CONSEGNA[esito]))
        if consegna <= oggi:  # otherwise the receipt has not come back yet
            lettera.esito, lettera.data_consegna = esito, consegna
    elif esito == "mancata_consegna":
        lettera.esito = esito
    return lettera


def _ordinanza(credito: Credito, rng: random.Random, oggi: datetime.date) -> _Lettera | None:
    """The ordinanza-ingiunzione of a type e credit, notified by raccomandata A/R."""
    ultimo_invio = min(piu_giorni(credito.documento, 30), piu_giorni(oggi, -2))
    if ultimo_invio < credito.documento:
        return None
    invio = giorno_tra(rng, credito.documento, ultimo_invio)
    consegna = piu_giorni(invio, rng.randint(2, min(10, (oggi - invio).days)))
    return _Lettera("ordinanza_ingiunzione", [credito], invio, "raccomandata_ar", "consegnata", consegna)


def _ordinanze_e_gruppi(
    crediti: list[Credito], rng: random.Random, oggi: datetime.date
) -> tuple[list[_Lettera], dict[tuple[str, str], list[Credito]]]:
    """Ordinanze of type e credits, and the other credits old enough for an avviso.

    The latter are grouped by debtor and struttura, the unit a letter can cover.
    """
    ordinanze: list[_Lettera] = []
    soglia = aggiungi_mesi(oggi, -4)
    gruppi: dict[tuple[str, str], list[Credito]] = {}
    for credito in crediti:
        if credito.tipo == "e":
            if prescrivibile(credito, oggi) or rng.random() >= QUOTA_ORDINANZA:
                continue
            if ordinanza := _ordinanza(credito, rng, oggi):
                ordinanze.append(ordinanza)
        elif credito.tipo != "f" and credito.prestazione <= soglia:
            chiave = (credito.debitore.codice_fiscale, credito.struttura)
            gruppi.setdefault(chiave, []).append(credito)
    return ordinanze, gruppi


def _avvisi_e_solleciti(
    gruppi: dict[tuple[str, str], list[Credito]], rng: random.Random, oggi: datetime.date
) -> list[_Lettera]:
    """Avvisi for about one group in five, a third of them followed by a sollecito."""
    lettere: list[_Lettera] = []
    for gruppo in gruppi.values():
        if rng.random() >= QUOTA_AVVISO:
            continue
        for membri, inizio, fine in _blocchi(gruppo, rng, oggi):
            avviso = _avviso(membri, inizio, fine, rng)
            lettere.append(avviso)
            if any(prescrivibile(c, oggi) for c in membri):
                continue  # a delivered sollecito would interrupt prescription
            if rng.random() < QUOTA_SOLLECITO:
                sollecito = _sollecito(membri, avviso.data_invio, rng, oggi)
                if sollecito is not None:
                    lettere.append(sollecito)
    return lettere


def genera_storico(crediti: list[Credito], rng: random.Random, oggi: datetime.date) -> list[dict[str, str]]:
    """storico.csv rows in sending order, letters numbered STO-000001, STO-000002, ..."""
    lettere, gruppi = _ordinanze_e_gruppi(crediti, rng, oggi)
    lettere.extend(_avvisi_e_solleciti(gruppi, rng, oggi))
    lettere.sort(key=lambda lettera: (lettera.data_invio, lettera.crediti[0].id_credito))
    righe: list[dict[str, str]] = []
    for numero, lettera in enumerate(lettere, start=1):
        righe.extend(lettera.righe(f"STO-{numero:06d}"))
    return righe
