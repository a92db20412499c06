"""The data a letter is filled with, built from the store and config.yaml for a whole lotto.

Every key here is a field of the catalogue (``modelli.campi``); a test renders each context
against it, so the two cannot drift. Amounts are the ones frozen in the lotto when it was
approved (the letter says what the clerk approved, DESIGN.md, Lotti); payments recorded since
show up in ``lotto mostra`` as differences, not silently in the letter.

Bulk queries, a handful per lotto whatever its size: a lotto may hold ten thousand letters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from corrispondenza.config.schema import Config, Ente, Indirizzo, Struttura
from corrispondenza.dominio.euro import ZERO
from corrispondenza.dominio.tipi import Canale, TipoLettera, TipoRelazione
from corrispondenza.regole.esito import Ruolo
from corrispondenza.store.database import a_blocchi
from corrispondenza.store.saldi import totali_pagati
from corrispondenza.store.tabelle import Credito, Lettera, LetteraCredito, Relazione, Soggetto

MODALITA = {
    Canale.PEC: "Trasmessa a mezzo PEC",
    Canale.EMAIL: "Trasmessa a mezzo posta elettronica",
    Canale.POSTA_ORDINARIA: "Posta ordinaria",
    Canale.RACCOMANDATA_AR: "Raccomandata A/R",
}
MODALITA_AVVISO = {
    Canale.PEC: "PEC",
    Canale.EMAIL: "posta elettronica",
    Canale.POSTA_ORDINARIA: "posta ordinaria",
    Canale.RACCOMANDATA_AR: "raccomandata A/R",
}
CAUSALE_MASSIMA = 140  # SEPA remittance information: longer is cut by the banks


@dataclass(frozen=True)
class SchedaLettera:
    """What ``genera`` needs of a letter before its data: group, sort, bundle, record.

    A lotto may hold tens of thousands of letters; their full data are built a batch at a time
    (``dati_delle_lettere``), so memory does not grow with the lotto.
    """

    id: int
    tipo: TipoLettera
    canale: Canale
    struttura: str
    destinatario_id: int
    cap: str  # print bundles are sorted by postcode


def schede(s: Session, lotto_id: int, stati: Iterable[str]) -> list[SchedaLettera]:
    """The letters of a lotto in the given states, in id order, with the recipient's postcode."""
    cap = case((Soggetto.domicilio_indirizzo.is_not(None), Soggetto.domicilio_cap), else_=Soggetto.cap)
    query = (
        select(Lettera.id, Lettera.tipo, Lettera.canale, Lettera.struttura, Lettera.destinatario_id, cap)
        .join(Soggetto, Soggetto.id == Lettera.destinatario_id)
        .where(Lettera.lotto_id == lotto_id, Lettera.stato.in_(list(stati)))
        .order_by(Lettera.id)
    )
    return [
        SchedaLettera(i, TipoLettera(t), Canale(c), st or "", d, cp or "")
        for i, t, c, st, d, cp in s.execute(query)
    ]


def dati_delle_lettere(
    s: Session, config: Config, ids: Iterable[int], giorno: date
) -> dict[int, dict[str, Any]]:
    """The render data of a batch of letters, by letter id."""
    lettere = []
    for blocco in a_blocchi(sorted(set(ids))):
        lettere += list(s.scalars(select(Lettera).where(Lettera.id.in_(blocco))))
    return contesti(s, config, lettere, giorno)


def riferimento(lettera_id: int, giorno: date) -> str:
    """The reference a debtor quotes when answering: year and letter number."""
    return f"REC-{giorno.year}-{lettera_id:06d}"


def nominativo(x: Soggetto) -> str:
    return x.ragione_sociale or f"{x.nome or ''} {x.cognome or ''}".strip()


def _indirizzo(i: Indirizzo) -> dict[str, str]:
    return {"via": i.via, "cap": i.cap, "comune": i.comune, "provincia": i.provincia}


def dati_ente(ente: Ente) -> dict[str, Any]:
    return {
        "denominazione": ente.denominazione,
        "codice_fiscale": ente.codice_fiscale,
        "partita_iva": ente.partita_iva,
        "indirizzo": _indirizzo(ente.indirizzo),
        "pec": ente.pec,
        "email": ente.email,
        "telefono": ente.telefono,
        "iban": ente.iban,
        "tesoriere": ente.tesoriere,
        "firmatario": {"nome": ente.firmatario.nome, "qualifica": ente.firmatario.qualifica},
        "informativa_privacy": ente.informativa_privacy,
    }


def dati_struttura(codice: str, x: Struttura) -> dict[str, Any]:
    return {
        "codice": codice,
        "denominazione": x.denominazione,
        "responsabile": {"nome": x.responsabile.nome, "qualifica": x.responsabile.qualifica},
        "telefono": x.telefono,
        "email": x.email,
        "pec": x.pec,
        "orari": x.orari,
        "indirizzo": _indirizzo(x.indirizzo) if x.indirizzo else None,
    }


def intestazione(config: Config, struttura: str) -> dict[str, Any]:
    """What headers and footers may use: the same for every letter of a struttura."""
    return {
        "ente": dati_ente(config.ente),
        "struttura": dati_struttura(struttura, config.ente.strutture[struttura]),
    }


def contesti(
    s: Session, config: Config, lettere: Iterable[Lettera], giorno: date
) -> dict[int, dict[str, Any]]:
    """The render data of ``lettere`` by letter id, dated ``giorno`` (the lotto's date)."""
    lettere = list(lettere)
    voci: dict[int, list[LetteraCredito]] = defaultdict(list)
    for blocco in a_blocchi([x.id for x in lettere]):
        query = select(LetteraCredito).where(LetteraCredito.lettera_id.in_(blocco))
        for v in s.scalars(query.order_by(LetteraCredito.lettera_id, LetteraCredito.credito_id)):
            voci[v.lettera_id].append(v)
    crediti = _per_id(s, Credito, {v.credito_id for vv in voci.values() for v in vv})
    soggetti = _per_id(
        s, Soggetto, {x.destinatario_id for x in lettere} | {c.soggetto_id for c in crediti.values()}
    )
    pagato = totali_pagati(s, crediti)
    relazioni = _relazioni(s, {x.destinatario_id for x in lettere})
    avvisi = _avvisi(s, crediti)
    fisse = {"ente": dati_ente(config.ente)}
    strutture = {k: dati_struttura(k, v) for k, v in config.ente.strutture.items()}
    pronte: dict[int, dict[str, Any]] = {}
    for x in lettere:
        righe = voci[x.id]
        debitore = soggetti[crediti[righe[0].credito_id].soggetto_id]
        destinatario = soggetti[x.destinatario_id]
        dati = {
            **fisse,
            "struttura": strutture[x.struttura],
            "lettera": _lettera(x, giorno, config),
            "destinatario": _destinatario(destinatario, debitore, Ruolo(x.ruolo)),
            "debitore": {"nominativo": nominativo(debitore), "codice_fiscale": debitore.codice_fiscale},
            "crediti": [_credito(crediti[v.credito_id], v, pagato) for v in righe],
            "totali": _totali(x),
            "pagamento": _pagamento(x, giorno, config, [crediti[v.credito_id] for v in righe]),
        }
        tipo = TipoLettera(x.tipo)
        if tipo is TipoLettera.SOLLECITO:
            dati["avviso"] = _avviso_precedente([avvisi.get(v.credito_id) for v in righe])
        elif tipo is TipoLettera.EREDI:
            quota = relazioni.get((x.destinatario_id, debitore.id))
            residui = sum((c.importo - pagato.get(c.id, ZERO) for c in _crediti_di(righe, crediti)), ZERO)
            dati["eredita"] = {
                "defunto": nominativo(debitore),
                "deceduto_il": debitore.deceduto_il,
                "quota": f"{quota.numerator}/{quota.denominator}" if quota else "",
                "debito_complessivo": residui,
            }
        pronte[x.id] = dati
    return pronte


def _per_id(s: Session, tabella: Any, ids: set[int]) -> dict[int, Any]:
    trovati: dict[int, Any] = {}
    for blocco in a_blocchi(sorted(ids)):
        trovati.update((x.id, x) for x in s.scalars(select(tabella).where(tabella.id.in_(blocco))))
    return trovati


def _crediti_di(righe: list[LetteraCredito], crediti: dict[int, Credito]) -> list[Credito]:
    return [crediti[v.credito_id] for v in righe]


def _relazioni(s: Session, destinatari: set[int]) -> dict[tuple[int, int], Fraction]:
    """Heir → deceased: the share of this heir (Art. 6 c. 8)."""
    quote: dict[tuple[int, int], Fraction] = {}
    for blocco in a_blocchi(sorted(destinatari)):
        query = select(Relazione).where(
            Relazione.collegato_id.in_(blocco), Relazione.tipo == TipoRelazione.EREDE.value
        )
        for r in s.scalars(query):
            if r.quota_numeratore and r.quota_denominatore:
                quote[(r.collegato_id, r.soggetto_id)] = Fraction(r.quota_numeratore, r.quota_denominatore)
    return quote


def _avvisi(s: Session, crediti: dict[int, Credito]) -> dict[int, Lettera]:
    """The latest avviso sent for each credit: the sollecito refers to it (Art. 6 c. 1)."""
    ultimi: dict[int, Lettera] = {}
    for blocco in a_blocchi(sorted(crediti)):
        query = (
            select(LetteraCredito.credito_id, Lettera)
            .join(Lettera, Lettera.id == LetteraCredito.lettera_id)
            .where(
                LetteraCredito.credito_id.in_(blocco),
                Lettera.tipo == TipoLettera.AVVISO.value,
                Lettera.data_invio.is_not(None),
            )
        )
        for credito_id, lettera in s.execute(query):
            attuale = ultimi.get(credito_id)
            if attuale is None or (lettera.data_invio or date.min) > (attuale.data_invio or date.min):
                ultimi[credito_id] = lettera
    return ultimi


def _avviso_precedente(avvisi: list[Lettera | None]) -> dict[str, Any] | None:
    inviati = [a for a in avvisi if a is not None and a.data_invio]
    if not inviati:
        return None
    ultimo = max(inviati, key=lambda a: a.data_invio or date.min)
    return {"data_invio": ultimo.data_invio, "modalita": MODALITA_AVVISO[Canale(ultimo.canale)]}


def _lettera(x: Lettera, giorno: date, config: Config) -> dict[str, Any]:
    tipo = TipoLettera(x.tipo)
    regole = config.regole
    avviso = tipo is TipoLettera.AVVISO
    return {
        "id": x.id,
        "riferimento": riferimento(x.id, giorno),
        "protocollo": None,
        "data": giorno,
        "canale": x.canale,
        "modalita_invio": MODALITA[Canale(x.canale)],
        "termine": giorno + timedelta(days=regole.avviso.termine_giorni) if avviso else None,
        "termine_giorni": regole.avviso.termine_giorni if avviso else regole.sollecito.termine_giorni,
    }


def _destinatario(x: Soggetto, debitore: Soggetto, ruolo: Ruolo) -> dict[str, Any]:
    per_conto = {
        Ruolo.GENITORE: f"esercente la responsabilità genitoriale su {nominativo(debitore)}",
        Ruolo.TUTORE: f"tutore di {nominativo(debitore)}",
        Ruolo.EREDE: f"erede di {nominativo(debitore)}",
    }
    return {
        "nominativo": nominativo(x),
        "codice_fiscale": x.codice_fiscale,
        "indirizzo": x.domicilio_indirizzo or x.indirizzo or "",
        "cap": (x.domicilio_cap if x.domicilio_indirizzo else x.cap) or "",
        "comune": (x.domicilio_comune if x.domicilio_indirizzo else x.comune) or "",
        "provincia": (x.domicilio_provincia if x.domicilio_indirizzo else x.provincia) or "",
        "pec": x.pec,
        "in_qualita_di": per_conto.get(ruolo),
    }


def _credito(c: Credito, v: LetteraCredito, pagato: dict[int, Decimal]) -> dict[str, Any]:
    return {
        "numero_documento": c.numero_documento or c.id_esterno,
        "data_documento": c.data_documento,
        "scadenza": c.scadenza,
        "importo": c.importo,
        "pagato": pagato.get(c.id, ZERO),
        "residuo": v.principale or ZERO,
    }


def _totali(x: Lettera) -> dict[str, Decimal]:
    principale = x.principale or ZERO
    interessi = x.interessi or ZERO
    spese = x.spese or ZERO
    maggiorazione = x.maggiorazione or ZERO
    return {
        "principale": principale,
        "spese": spese,
        "interessi": interessi,
        "maggiorazione": maggiorazione,
        "totale": x.totale if x.totale is not None else principale + interessi + spese + maggiorazione,
    }


def _pagamento(x: Lettera, giorno: date, config: Config, crediti: list[Credito]) -> dict[str, Any]:
    documenti = " ".join(c.numero_documento or c.id_esterno for c in crediti)
    causale = f"{riferimento(x.id, giorno)} {documenti}"
    if len(causale) > CAUSALE_MASSIMA:
        causale = causale[: CAUSALE_MASSIMA - 1] + "…"
    return {
        "iban": config.ente.iban,
        "intestatario": config.ente.denominazione,
        "causale": causale,
        "codice_avviso": None,
    }
