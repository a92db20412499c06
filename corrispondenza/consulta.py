"""Look-up for people: a debtor or a credit with amounts, payments, letters and journal.

Returns plain dictionaries in the ``--json`` shape (README, "stato"); the CLI renders the same
data as tables. Residuals here count every recorded payment; the rules (later) evaluate them
at a given date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import ZERO, in_json
from corrispondenza.dominio.tipi import TipoCredito
from corrispondenza.errors import NonTrovatoError
from corrispondenza.orologio import FUSO_ITALIA, in_utc
from corrispondenza.stato import FaseCredito, StatoCredito
from corrispondenza.store.database import a_blocchi
from corrispondenza.store.giornale import eventi_di
from corrispondenza.store.tabelle import (
    Credito,
    Evento,
    Importazione,
    Lettera,
    LetteraCredito,
    Pagamento,
    Relazione,
    RicevutaLetta,
    Soggetto,
)


def stato_di(s: Session, chiave: str) -> dict[str, Any]:
    """A codice fiscale → the debtor and all their credits; an id_credito → that credit."""
    chiave = chiave.strip()
    soggetto = s.scalar(select(Soggetto).where(Soggetto.codice_fiscale == chiave.upper()))
    if soggetto is not None:
        crediti = list(
            s.scalars(select(Credito).where(Credito.soggetto_id == soggetto.id).order_by(Credito.id))
        )
        return _scheda(s, soggetto, crediti)
    struttura, _, id_esterno = chiave.rpartition("/")
    query = select(Credito).where(Credito.id_esterno == (id_esterno if struttura else chiave))
    if struttura:
        query = query.where(Credito.struttura == struttura.upper())
    crediti = list(s.scalars(query))
    if not crediti:
        raise NonTrovatoError(
            f"Nessun debitore con codice fiscale «{chiave}» e nessun credito con id «{chiave}».",
            chiave=chiave,
        )
    if len({c.soggetto_id for c in crediti}) > 1:
        strutture = ", ".join(f"{c.struttura}/{c.id_esterno}" for c in crediti)
        raise NonTrovatoError(
            f"L'id «{chiave}» esiste in più strutture: indicare STRUTTURA/ID ({strutture}).", chiave=chiave
        )
    return _scheda(s, crediti[0].soggetto, crediti)


def crediti_per_id(s: Session, chiave: str) -> list[Credito]:
    """The credits with this id_credito (``STRUTTURA/ID`` narrows to one office)."""
    struttura, _, id_esterno = chiave.strip().rpartition("/")
    query = select(Credito).where(Credito.id_esterno == (id_esterno if struttura else chiave.strip()))
    if struttura:
        query = query.where(Credito.struttura == struttura.upper())
    return list(s.scalars(query))


def credito_per_id(s: Session, chiave: str) -> Credito:
    """Exactly one credit, or an Italian error saying why not."""
    crediti = crediti_per_id(s, chiave)
    if not crediti:
        raise NonTrovatoError(f"Nessun credito con id «{chiave}».", chiave=chiave)
    if len(crediti) > 1:
        strutture = ", ".join(f"{c.struttura}/{c.id_esterno}" for c in crediti)
        raise NonTrovatoError(
            f"L'id «{chiave}» esiste in più strutture: indicare STRUTTURA/ID ({strutture})."
        )
    return crediti[0]


def _scheda(s: Session, soggetto: Soggetto, crediti: list[Credito]) -> dict[str, Any]:
    ids = [c.id for c in crediti]
    lettere = _lettere(s, ids)
    origini = {c.importazione_id for c in crediti} - {None}
    importazioni = {i.id: i for i in s.scalars(select(Importazione).where(Importazione.id.in_(origini)))}
    schede = [_credito(c, lettere.get(c.id, []), importazioni.get(c.importazione_id or -1)) for c in crediti]
    ids_lettere = sorted({lettera["id"] for ls in lettere.values() for lettera in ls})
    origini = {soggetto.importazione_id, *(c.importazione_id for c in crediti)} - {None}
    giornale = sorted(
        eventi_di(s, "importazione", sorted(origini))  # type: ignore[arg-type]
        + eventi_di(s, "soggetto", [soggetto.id])
        + eventi_di(s, "credito", ids)
        + eventi_di(s, "lettera", ids_lettere),
        key=lambda e: (e.quando, e.id),
    )
    return {
        "soggetto": _soggetto(soggetto),
        "relazioni": _relazioni(s, soggetto),
        "crediti": schede,
        "totali": {
            k: in_json(sum((Decimal(c[k]) for c in schede), ZERO)) for k in ("importo", "pagato", "residuo")
        },
        "giornale": [_evento(e) for e in giornale],
    }


def _soggetto(x: Soggetto) -> dict[str, Any]:
    return {
        "codice_fiscale": x.codice_fiscale,
        "tipo": x.tipo,
        "nominativo": nominativo(x),
        "data_nascita": _iso(x.data_nascita),
        "residenza": _indirizzo(x.indirizzo, x.cap, x.comune, x.provincia),
        "domicilio": _indirizzo(
            x.domicilio_indirizzo, x.domicilio_cap, x.domicilio_comune, x.domicilio_provincia
        ),
        "email": x.email,
        "pec": x.pec,
        "deceduto_il": _iso(x.deceduto_il),
        "fallito": x.fallito,
        "fallimento_il": _iso(x.fallimento_il),
    }


def nominativo(x: Soggetto) -> str:
    return x.ragione_sociale or f"{x.cognome or ''} {x.nome or ''}".strip()


def _indirizzo(via: str | None, cap: str | None, comune: str | None, provincia: str | None) -> str | None:
    if not via:
        return None
    return f"{via}, {cap or ''} {comune or ''}{f' ({provincia})' if provincia else ''}".replace("  ", " ")


def _relazioni(s: Session, soggetto: Soggetto) -> list[dict[str, Any]]:
    """Both directions: the parents/heirs of this person, and whom this person answers for."""
    risultato = []
    for rel, altro, verso in (
        *(
            (r, r.collegato_id, "collegato")
            for r in s.scalars(select(Relazione).where(Relazione.soggetto_id == soggetto.id))
        ),
        *(
            (r, r.soggetto_id, "debitore")
            for r in s.scalars(select(Relazione).where(Relazione.collegato_id == soggetto.id))
        ),
    ):
        persona = s.get(Soggetto, altro)
        quota = f"{rel.quota_numeratore}/{rel.quota_denominatore}" if rel.quota_numeratore else None
        risultato.append(
            {
                "relazione": rel.tipo,
                "codice_fiscale": persona.codice_fiscale if persona else None,
                "nominativo": nominativo(persona) if persona else None,
                "ruolo_dell_altro": verso,
                "quota": quota,
            }
        )
    return risultato


def _lettere(s: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    per_credito: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return per_credito
    query = (
        select(LetteraCredito.credito_id, Lettera, Soggetto.codice_fiscale)
        .join(Lettera, Lettera.id == LetteraCredito.lettera_id)
        .join(Soggetto, Soggetto.id == Lettera.destinatario_id)
        .where(LetteraCredito.credito_id.in_(ids))
        .order_by(Lettera.data_invio, Lettera.id)
    )
    trovate = list(s.execute(query))
    ricevute = _ricevute(s, {lettera.id for _, lettera, _ in trovate})
    for credito_id, lettera, cf in trovate:
        per_credito[credito_id].append(
            {
                "id": lettera.id,
                "tipo": lettera.tipo,
                "canale": lettera.canale,
                "destinatario": cf,
                "data_invio": _iso(lettera.data_invio),
                "data_consegna": _iso(lettera.data_consegna),
                "esito": lettera.esito,
                "spese": in_json(lettera.spese),
                "origine": lettera.origine,
                "lotto": lettera.lotto_id,
                "stato": lettera.stato,
                "riscontro": lettera.riscontro,
                "consegnata_il": _istante(lettera.consegnata_il),
                "ricevute": ricevute.get(lettera.id, []),
            }
        )
    return per_credito


def _ricevute(s: Session, lettere: set[int]) -> dict[int, list[dict[str, Any]]]:
    """Each letter's receipts with their legal time (daticert, its own zone) and evidence file."""
    per_lettera: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for blocco in a_blocchi(sorted(lettere)):
        query = select(RicevutaLetta).where(RicevutaLetta.lettera_id.in_(blocco)).order_by(RicevutaLetta.data)
        for r in s.scalars(query):
            per_lettera[r.lettera_id].append(
                {
                    "tipo": r.tipo,
                    "data": _istante(r.data, r.zona),
                    "consegna": r.consegna,
                    "errore": r.errore_esteso,
                    "firma": r.firma,
                    "prova": r.percorso,
                    "effetto": r.effetto,
                }
            )
    return per_lettera


def _istante(valore: datetime | None, zona: str | None = None) -> str | None:
    """ISO 8601 with offset: in the zone daticert stated, else Italian time."""
    if valore is None:
        return None
    fuso: tzinfo = FUSO_ITALIA
    if zona and len(zona) == 5 and zona[1:].isdigit():
        segno = -1 if zona[0] == "-" else 1
        fuso = timezone(segno * timedelta(hours=int(zona[1:3]), minutes=int(zona[3:])))
    return in_utc(valore).astimezone(fuso).isoformat()


def _credito(c: Credito, lettere: list[dict[str, Any]], imp: Importazione | None) -> dict[str, Any]:
    pagato = sum((p.importo for p in c.pagamenti), ZERO)
    return {
        "id": c.id,
        "id_credito": c.id_esterno,
        "struttura": c.struttura,
        "tipo": c.tipo,
        "numero_documento": c.numero_documento,
        "data_documento": _iso(c.data_documento),
        "data_prestazione": _iso(c.data_prestazione),
        "scadenza": _iso(c.scadenza),
        "descrizione": c.descrizione,
        "importo": in_json(c.importo),
        "pagato": in_json(pagato),
        "residuo": in_json(c.importo - pagato),
        "stato": c.stato,
        "fase": c.fase,
        "pagamenti": [
            {"data": _iso(p.data), "importo": in_json(p.importo), "riferimento": p.riferimento}
            for p in c.pagamenti
        ],
        "lettere": lettere,
        "importazione": imp
        and {"id": imp.id, "file": imp.file, "quando": imp.quando.isoformat(), "operatore": imp.operatore},
    }


def _evento(e: Evento) -> dict[str, Any]:
    return {
        "quando": e.quando.isoformat(),
        "operatore": e.operatore,
        "cosa": e.cosa,
        "perche": e.perche,
        "entita": e.entita,
        "entita_id": e.entita_id,
        "dati": e.dati,
    }


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def riepilogo(s: Session) -> dict[str, Any]:
    """Counts and totals by credit type, phase and state (``stato --riepilogo``)."""
    pagato = (
        select(Pagamento.credito_id, func.sum(Pagamento.importo).label("pagato"))
        .group_by(Pagamento.credito_id)
        .subquery()
    )
    righe = s.execute(
        select(Credito.tipo, Credito.fase, Credito.stato, Credito.importo, pagato.c.pagato).outerjoin(
            pagato, pagato.c.credito_id == Credito.id
        )
    )
    gruppi: dict[str, dict[str, list[Any]]] = {"per_tipo": {}, "per_fase": {}, "per_stato": {}}
    totale = [0, ZERO, ZERO]
    for tipo, fase, stato, importo, pagato_euro in righe:
        versato = pagato_euro or ZERO
        for nome, chiave in (("per_tipo", tipo), ("per_fase", fase), ("per_stato", stato)):
            voce = gruppi[nome].setdefault(chiave, [0, ZERO, ZERO])
            voce[0] += 1
            voce[1] += importo
            voce[2] += importo - versato
        totale = [totale[0] + 1, totale[1] + importo, totale[2] + importo - versato]
    return {
        **_riepilogo_lettere(s),
        "soggetti": s.scalar(select(func.count()).select_from(Soggetto)),
        "crediti": totale[0],
        "importo": in_json(totale[1]),
        "residuo": in_json(totale[2]),
        **{nome: [_voce(nome, k, g[k]) for k in sorted(g, key=_ordine(nome))] for nome, g in gruppi.items()},
    }


def _riepilogo_lettere(s: Session) -> dict[str, Any]:
    """The letters of the lotti: where we are with them, and what the world said (delivered,
    not delivered, waiting), with how many a later lotto proposes again by another channel."""
    per_stato = dict(
        s.execute(
            select(Lettera.stato, func.count()).where(Lettera.origine == "lotto").group_by(Lettera.stato)
        ).all()
    )
    inviate = select(Lettera.esito, func.count()).where(
        Lettera.origine == "lotto", Lettera.data_invio.is_not(None)
    )
    per_esito = {k or "in_attesa": v for k, v in s.execute(inviate.group_by(Lettera.esito)).all()}
    ripiego = s.scalar(
        select(func.count()).where(Lettera.origine == "lotto", Lettera.data_invio.is_(None), _di_ripiego())
    )
    return {
        "lettere": {
            "per_stato": dict(sorted(per_stato.items())),
            "per_esito": dict(sorted(per_esito.items())),
            "di_ripiego": ripiego or 0,
        }
    }


def _di_ripiego() -> Any:
    """A letter proposed for a credit whose earlier letter was not delivered (Art. 6 c. 11)."""
    precedente = Lettera.__table__.alias("precedente")
    voce = LetteraCredito.__table__.alias("voce")
    voce_precedente = LetteraCredito.__table__.alias("voce_precedente")
    return (
        select(voce.c.lettera_id)
        .join(voce_precedente, voce_precedente.c.credito_id == voce.c.credito_id)
        .join(precedente, precedente.c.id == voce_precedente.c.lettera_id)
        .where(voce.c.lettera_id == Lettera.id, precedente.c.esito == "mancata_consegna")
        .exists()
    )


def _ordine(gruppo: str) -> Any:
    """Types alphabetically; phases and states in the order of the procedure (stato.py)."""
    ordine = {"per_fase": list(FaseCredito), "per_stato": list(StatoCredito)}.get(gruppo)
    if ordine is None:
        return str
    return lambda chiave: ordine.index(chiave) if chiave in ordine else len(ordine)


def _voce(gruppo: str, chiave: str, valori: list[Any]) -> dict[str, Any]:
    nome = {"per_tipo": "tipo", "per_fase": "fase", "per_stato": "stato"}[gruppo]
    voce: dict[str, Any] = {nome: chiave}
    if gruppo == "per_tipo":
        voce["descrizione"] = TipoCredito(chiave).descrizione
    return {**voce, "crediti": valori[0], "importo": in_json(valori[1]), "residuo": in_json(valori[2])}
