"""Synthetic registry: persone fisiche and giuridiche with valid, unique tax codes.

Every soggetto is created through :class:`Anagrafe`, which owns the random source, keeps
the codici fiscali unique and records creation order, so that the same seed always yields
the same people in the same order.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from .caso import scegli, scegli_pesato
from .codici import codice_fiscale, lettere, partita_iva
from .dati import (
    COGNOMI,
    COMUNI,
    INSEGNE,
    NOMI_FEMMINILI,
    NOMI_MASCHILI,
    RAGIONI_SOCIALI,
    RAGIONI_SOCIALI_ALIMENTARI,
    STATI_ESTERI,
    UFFICI_IVA,
    VIE,
    VIE_PRODUTTIVE,
)
from .formati import aggiungi_mesi, data_it, giorno_tra, piu_giorni

QUOTA_EMAIL = 0.35
QUOTA_PEC_FISICHE = 0.12
QUOTA_PEC_GIURIDICHE = 0.90
QUOTA_EMAIL_GIURIDICHE = 0.25
QUOTA_NATI_ESTERO = 0.06
DOMINI = ("example.it", "example.com", "example.org")
_FORME_GIURIDICHE = frozenset({"SRLS", "SRL", "SPA", "SNC", "SAS", "SOC", "COOP", "AGR", "C"})
_CATASTALE_DI = {c.nome: c.catastale for c in COMUNI}


class Residenza(NamedTuple):
    """Postal address of a soggetto, shared by the members of one household."""

    indirizzo: str
    cap: str
    comune: str
    provincia: str


@dataclass(slots=True, eq=False)
class Soggetto:
    """A person or company; ``riga()`` gives its soggetti.csv row."""

    codice_fiscale: str
    giuridica: bool
    residenza: Residenza
    cognome: str = ""
    nome: str = ""
    ragione_sociale: str = ""
    nascita: datetime.date | None = None
    femmina: bool = False
    email: str = ""
    pec: str = ""
    deceduto_il: datetime.date | None = None
    fallimento_il: datetime.date | None = None
    rappresentante: Soggetto | None = None  # parent or tutore of a minor

    def riga(self) -> dict[str, str]:
        """The soggetti.csv row, columns in file order."""
        return {
            "codice_fiscale": self.codice_fiscale,
            "tipo": "giuridica" if self.giuridica else "fisica",
            "cognome": self.cognome,
            "nome": self.nome,
            "ragione_sociale": self.ragione_sociale,
            "data_nascita": data_it(self.nascita),
            "indirizzo": self.residenza.indirizzo,
            "cap": self.residenza.cap,
            "comune": self.residenza.comune,
            "provincia": self.residenza.provincia,
            "email": self.email,
            "pec": self.pec,
            "deceduto_il": data_it(self.deceduto_il),
            "fallimento_il": data_it(self.fallimento_il),
        }


def eta(nascita: datetime.date, il: datetime.date) -> int:
    """Age in completed years on a given day."""
    compleanno_passato = (il.month, il.day) >= (nascita.month, nascita.day)
    return il.year - nascita.year - (0 if compleanno_passato else 1)


class Anagrafe:
    """Factory and register of every soggetto of one sample."""

    def __init__(self, rng: random.Random, oggi: datetime.date) -> None:
        self._rng = rng
        self.oggi = oggi
        self.soggetti: list[Soggetto] = []
        self._codici: set[str] = set()
        self._pec: set[str] = set()
        self._pesi_comuni = list(accumulate(c.peso for c in COMUNI))
        self._progressivo_iva = rng.randint(1_000_000, 2_000_000)
        self._limiti_eta: dict[tuple[int, int, int], tuple[int, int, int]] = {}

    # -- addresses -------------------------------------------------------------------

    def residenza(self, produttiva: bool = False) -> Residenza:
        """A random address, weighted towards the comuni of the ASL's area."""
        rng = self._rng
        comune = scegli_pesato(rng, COMUNI, self._pesi_comuni)
        vie = VIE_PRODUTTIVE if produttiva and rng.random() < 0.6 else VIE
        civico = str((int(rng.paretovariate(1.1) * 4) - 4) % 240 + 1)
        if rng.random() < 0.08:
            civico += scegli(rng, ("/A", "/B", "/C", "/2"))
        return Residenza(f"{scegli(rng, vie)} {civico}", comune.cap, comune.nome, comune.provincia)

    def _luogo_nascita(self, residenza: Residenza) -> str:
        """Codice catastale of the place of birth: often the comune of residence."""
        rng = self._rng
        tiro = rng.random()
        if tiro < QUOTA_NATI_ESTERO:
            return scegli(rng, STATI_ESTERI)
        if tiro < 0.55:
            return _CATASTALE_DI[residenza.comune]
        return scegli(rng, COMUNI).catastale

    # -- persone fisiche -------------------------------------------------------------

    def nascita_adulto(self, eta_min: int = 18, eta_max: int = 95, moda: int = 58) -> datetime.date:
        """Birth date of someone aged eta_min..eta_max today (triangular around moda)."""
        chiave = (eta_min, eta_max, moda)
        if chiave not in self._limiti_eta:
            self._limiti_eta[chiave] = (
                piu_giorni(aggiungi_mesi(self.oggi, -12 * (eta_max + 1)), 1).toordinal(),
                aggiungi_mesi(self.oggi, -12 * eta_min).toordinal(),
                aggiungi_mesi(self.oggi, -12 * moda).toordinal(),
            )
        remota, recente, centro = self._limiti_eta[chiave]
        giorno = int(self._rng.triangular(remota, recente, centro))
        return datetime.date.fromordinal(min(max(giorno, remota), recente))

    def nascita_minore(self) -> datetime.date:
        """Birth date of a minor at least three months old today."""
        remota = piu_giorni(aggiungi_mesi(self.oggi, -12 * 18), 1)
        return giorno_tra(self._rng, remota, piu_giorni(self.oggi, -90))

    def persona(
        self,
        nascita: datetime.date,
        *,
        cognome: str | None = None,
        femmina: bool | None = None,
        residenza: Residenza | None = None,
        contatti: bool = True,
    ) -> Soggetto:
        """A new persona fisica with a unique, consistent codice fiscale."""
        rng = self._rng
        femmina = rng.random() < 0.5 if femmina is None else femmina
        cognome = cognome or scegli(rng, COGNOMI)
        nome = scegli(rng, NOMI_FEMMINILI if femmina else NOMI_MASCHILI)
        residenza = residenza or self.residenza()
        codice = self._codice_libero(cognome, nome, nascita, femmina, residenza)
        soggetto = Soggetto(codice, False, residenza, cognome, nome, "", nascita, femmina)
        if contatti:
            self._contatti_persona(soggetto)
        return self._registra(soggetto)

    def _codice_libero(
        self, cognome: str, nome: str, nascita: datetime.date, femmina: bool, res: Residenza
    ) -> str:
        """First codice fiscale not yet used, varying the place of birth on collision."""
        for _ in range(200):
            codice = codice_fiscale(cognome, nome, nascita, femmina, self._luogo_nascita(res))
            if codice not in self._codici:
                return codice
        raise RuntimeError(f"impossibile generare un codice fiscale univoco per {cognome} {nome}")

    def _contatti_persona(self, soggetto: Soggetto) -> None:
        """Optional e-mail and PEC on example domains only."""
        rng = self._rng
        nome = lettere(soggetto.nome).lower()
        cognome = lettere(soggetto.cognome).lower()
        if rng.random() < QUOTA_EMAIL:
            anno = f"{soggetto.nascita.year % 100:02d}" if soggetto.nascita else ""
            locale = scegli(
                rng,
                (
                    f"{nome}.{cognome}{anno}",
                    f"{nome[0]}.{cognome}",
                    f"{cognome}.{nome}",
                    nome + cognome,
                ),
            )
            soggetto.email = f"{locale}@{scegli(rng, DOMINI)}"
        if rng.random() < QUOTA_PEC_FISICHE:
            soggetto.pec = self._pec_libera(f"{nome}.{cognome}")

    def _pec_libera(self, locale: str) -> str:
        """A PEC address not yet assigned, numbered on collision."""
        indirizzo = f"{locale}@pec.example.it"
        numero = 1
        while indirizzo in self._pec:
            numero += 1
            indirizzo = f"{locale}{numero}@pec.example.it"
        self._pec.add(indirizzo)
        return indirizzo

    # -- persone giuridiche ----------------------------------------------------------

    def azienda(self, alimentare: bool = False) -> Soggetto:
        """A new company with a valid partita IVA of its province's office."""
        rng = self._rng
        modelli = RAGIONI_SOCIALI_ALIMENTARI if alimentare else RAGIONI_SOCIALI
        ragione = rng.choice(modelli).format(
            c=rng.choice(COGNOMI),
            c2=rng.choice(COGNOMI),
            n=rng.choice(NOMI_MASCHILI + NOMI_FEMMINILI),
            i=rng.choice(INSEGNE),
        )
        residenza = self.residenza(produttiva=True)
        self._progressivo_iva += rng.randint(1, 97)
        codice = partita_iva(self._progressivo_iva, UFFICI_IVA[residenza.provincia])
        soggetto = Soggetto(codice, True, residenza, ragione_sociale=ragione)
        slug = _slug_azienda(ragione)
        if rng.random() < QUOTA_PEC_GIURIDICHE:
            soggetto.pec = self._pec_libera(slug)
        if rng.random() < QUOTA_EMAIL_GIURIDICHE:
            soggetto.email = f"{slug}@{rng.choice(DOMINI)}"
        return self._registra(soggetto)

    def _registra(self, soggetto: Soggetto) -> Soggetto:
        """Record a new soggetto, refusing duplicate codes."""
        if soggetto.codice_fiscale in self._codici:
            raise RuntimeError(f"codice fiscale duplicato: {soggetto.codice_fiscale}")
        self._codici.add(soggetto.codice_fiscale)
        self.soggetti.append(soggetto)
        return soggetto


def _slug_azienda(ragione_sociale: str) -> str:
    """Mailbox name from a company name, without legal form: ``rossicostruzioni``."""
    insegna = ragione_sociale.split(" di ")[0].replace(".", "")
    parole = [lettere(p) for p in insegna.split()]
    utili = [p.lower() for p in parole if p and p not in _FORME_GIURIDICHE]
    return "".join(utili)[:30] or "azienda"
