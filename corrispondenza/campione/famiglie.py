"""Who answers for a debtor who cannot: parents or tutore of minors, heirs of the deceased.

The relazioni rows produced here let the engine address letters to the right people; the
heirs' quotas always add up to exactly one inheritance, mixing fractions and decimals
because the importer must accept both.
"""

from __future__ import annotations

import datetime
import random

from .anagrafe import Anagrafe, Soggetto
from .formati import aggiungi_mesi, giorno_tra, piu_giorni

QUOTA_TUTORE = 0.10
QUOTA_DUE_GENITORI = 0.70
QUOTA_SENZA_EREDI = 1 / 15

# Quota sets per number of heirs; each set sums to exactly 1.
QUOTE_EREDI: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("1/1",),),
    2: (("1/2", "1/2"), ("0,5", "1/2"), ("2/3", "1/3"), ("0,5", "0,5")),
    3: (("1/3", "1/3", "1/3"), ("1/2", "1/4", "1/4"), ("0,5", "1/4", "1/4"), ("1/2", "1/3", "1/6")),
    4: (("1/4", "1/4", "1/4", "1/4"), ("1/2", "1/6", "1/6", "1/6"), ("0,25", "0,25", "1/4", "1/4")),
}
PESI_NUMERO_EREDI = (30.0, 35.0, 25.0, 10.0)


def _relazione(debitore: Soggetto, relazione: str, collegato: Soggetto, quota: str = "") -> dict[str, str]:
    """A relazioni.csv row."""
    return {
        "codice_fiscale": debitore.codice_fiscale,
        "relazione": relazione,
        "codice_fiscale_collegato": collegato.codice_fiscale,
        "quota": quota,
    }


def rappresentanti_del_minore(
    anagrafe: Anagrafe, rng: random.Random, minore: Soggetto
) -> list[dict[str, str]]:
    """One or two parents living with the minor, or (1 in 10) a tutore."""
    if rng.random() < QUOTA_TUTORE:
        tutore = anagrafe.persona(anagrafe.nascita_adulto(30, 75, 50))
        minore.rappresentante = tutore
        return [_relazione(minore, "tutore", tutore)]
    if minore.nascita is None:
        raise ValueError("un minore senza data di nascita non può avere genitori")
    # Parents were 20-45 years old when the minor was born.
    inizio = aggiungi_mesi(minore.nascita, -12 * 45)
    fine = aggiungi_mesi(minore.nascita, -12 * 20)
    padre = rng.random() < 0.5
    genitori = []
    for _ in range(2 if rng.random() < QUOTA_DUE_GENITORI else 1):
        genitori.append(
            anagrafe.persona(
                giorno_tra(rng, inizio, fine),
                cognome=minore.cognome if padre else None,
                femmina=not padre,
                residenza=minore.residenza,
            )
        )
        padre = not padre
    minore.rappresentante = genitori[0]
    return [_relazione(minore, "genitore", genitore) for genitore in genitori]


def data_decesso(rng: random.Random, oggi: datetime.date, ultima_prestazione: datetime.date) -> datetime.date:
    """Death in the last three years, after the debtor's last service."""
    inizio = max(aggiungi_mesi(oggi, -36), piu_giorni(ultima_prestazione, 1))
    return giorno_tra(rng, inizio, piu_giorni(oggi, -1))


def data_fallimento(rng: random.Random, oggi: datetime.date) -> datetime.date:
    """Bankruptcy declaration in the last four years."""
    return giorno_tra(rng, aggiungi_mesi(oggi, -48), piu_giorni(oggi, -1))


def eredi_del_defunto(anagrafe: Anagrafe, rng: random.Random, defunto: Soggetto) -> list[dict[str, str]]:
    """1-4 adult living heirs with quotas summing to 1; sometimes no known heir."""
    if rng.random() < QUOTA_SENZA_EREDI:
        return []
    quante = rng.choices((1, 2, 3, 4), weights=PESI_NUMERO_EREDI)[0]
    quote = rng.choice(QUOTE_EREDI[quante])
    righe = []
    for posizione, quota in enumerate(quote):
        erede = _erede(anagrafe, rng, defunto, coniuge=posizione == 0 and rng.random() < 0.5)
        righe.append(_relazione(defunto, "erede", erede, quota))
    return righe


def _erede(anagrafe: Anagrafe, rng: random.Random, defunto: Soggetto, coniuge: bool) -> Soggetto:
    """The spouse (similar age, same household) or a child (20-40 years younger)."""
    if defunto.nascita is None:
        raise ValueError("un defunto senza data di nascita non può avere eredi")
    if coniuge:
        inizio = aggiungi_mesi(defunto.nascita, -12 * 8)
        fine = aggiungi_mesi(defunto.nascita, 12 * 8)
    else:
        inizio = aggiungi_mesi(defunto.nascita, 12 * 20)
        fine = aggiungi_mesi(defunto.nascita, 12 * 40)
    nascita = _nascita_adulta_tra(anagrafe, rng, inizio, fine)
    if coniuge:
        return anagrafe.persona(nascita, femmina=not defunto.femmina, residenza=defunto.residenza)
    cognome = defunto.cognome if not defunto.femmina or rng.random() < 0.3 else None
    return anagrafe.persona(nascita, cognome=cognome)


def _nascita_adulta_tra(
    anagrafe: Anagrafe, rng: random.Random, inizio: datetime.date, fine: datetime.date
) -> datetime.date:
    """A birth date in [inizio, fine] of someone aged 18-95, or any adult's if impossible."""
    oggi = anagrafe.oggi
    inizio = max(inizio, piu_giorni(aggiungi_mesi(oggi, -12 * 96), 1))
    fine = min(fine, aggiungi_mesi(oggi, -12 * 18))
    if inizio > fine:
        return anagrafe.nascita_adulto()
    return giorno_tra(rng, inizio, fine)
