"""The mailing batch (lotto): proposed by ``pianifica``, reviewed, approved, or cancelled.

``pianifica`` runs the rules on every credit for a day, groups the letters and stores the
proposal with every exclusion and report, so the review table can say why for each credit.
Approval freezes recipients, channels and amounts: a payment or an address change afterwards
does not silently change a letter, it is flagged (``differenze``). Every state change goes
through the one transition table (``stato.py``) and is journaled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import in_json
from corrispondenza.dominio.pratica import Pratica
from corrispondenza.errors import InputNonValidoError, NonTrovatoError
from corrispondenza.massivo import senza_raccolta_ciclica
from corrispondenza.regole.esito import Decisione, Esclusione
from corrispondenza.regole.esito import Segnalazione as SegnalazioneRegola
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.raggruppa import LetteraRaggruppata, Proposte, Voce, raggruppa
from corrispondenza.regole.valuta import valuta
from corrispondenza.stato import LOTTI_APERTI, StatoLettera, StatoLotto, verifica_transizione_lotto
from corrispondenza.store.blocchi import NomeBlocco, prendi
from corrispondenza.store.database import a_blocchi, inserisci_colonne
from corrispondenza.store.giornale import Operazione, registra
from corrispondenza.store.pratiche import carica_pratiche
from corrispondenza.store.saldi import totali_pagati
from corrispondenza.store.tabelle import (
    Credito,
    Lettera,
    LetteraCredito,
    Lotto,
    Soggetto,
)
from corrispondenza.store.tabelle import Esclusione as RigaEsclusione
from corrispondenza.store.tabelle import Segnalazione as RigaSegnalazione


@dataclass(frozen=True)
class EsitoPianificazione:
    lotto_id: int | None
    proposte: Proposte


def pianifica(s: Session, op: Operazione, oggi: date, par: Parametri) -> EsitoPianificazione:
    """Propose the letters due on ``oggi``; credits already in an open lotto are not proposed again."""
    with senza_raccolta_ciclica():
        return _pianifica(s, op, oggi, par)


def _pianifica(s: Session, op: Operazione, oggi: date, par: Parametri) -> EsitoPianificazione:
    prendi(s, NomeBlocco.PIANIFICA)  # two clerks planning at once: the second waits, proposes nothing twice
    _data_ammessa(s, oggi)
    impegnati = _in_lotti_aperti(s)
    pratiche = carica_pratiche(s)
    decisioni = []
    for pratica in pratiche:
        if pratica.credito_id in impegnati:
            lotto_id = impegnati[pratica.credito_id]
            esclusione = Esclusione("lotto", f"già in una lettera del lotto {lotto_id}, non ancora inviata")
            decisioni.append((pratica, Decisione(pratica.credito_id, esclusione=esclusione)))
        else:
            decisioni.append((pratica, valuta(pratica, oggi, par)))
    proposte = raggruppa(decisioni, par)
    if not proposte.lettere and (not proposte.segnalazioni or _aperto_il(s, oggi)):
        return EsitoPianificazione(None, proposte)  # idempotent: nothing new since the last run
    return EsitoPianificazione(_salva(s, op, oggi, proposte, pratiche), proposte)


def _aperto_il(s: Session, giorno: date) -> bool:
    aperti = [x.value for x in LOTTI_APERTI]
    return (
        s.scalar(select(func.count()).select_from(Lotto).where(Lotto.data == giorno, Lotto.stato.in_(aperti)))
        > 0
    )


def _data_ammessa(s: Session, oggi: date) -> None:
    """A run refuses a day before the latest lotto's: letters already planned would repeat."""
    ultima = s.scalar(select(func.max(Lotto.data)).where(Lotto.stato != StatoLotto.ANNULLATA))
    if ultima is not None and oggi < ultima:
        raise InputNonValidoError(
            f"Data {oggi:%d/%m/%Y} precedente all'ultimo lotto ({ultima:%d/%m/%Y}): "
            "la pianificazione non torna indietro nel tempo.",
            data=oggi.isoformat(),
        )


def _in_lotti_aperti(s: Session) -> dict[int, int]:
    query = (
        select(LetteraCredito.credito_id, Lettera.lotto_id)
        .join(Lettera, Lettera.id == LetteraCredito.lettera_id)
        .join(Lotto, Lotto.id == Lettera.lotto_id)
        .where(Lotto.stato.in_([x.value for x in LOTTI_APERTI]), Lettera.stato != StatoLettera.ANNULLATA)
    )
    return dict(s.execute(query).all())


def _salva(s: Session, op: Operazione, oggi: date, proposte: Proposte, pratiche: list[Pratica]) -> int:
    """Store the lotto in a few bulk statements (a month may hold tens of thousands of rows)."""
    lotto = Lotto(data=oggi, stato=StatoLotto.PROPOSTA, creato_il=op.quando, creato_da=op.operatore)
    s.add(lotto)
    s.flush()
    costanti_lettera = {
        "lotto_id": lotto.id,
        "origine": "lotto",
        "id_esterno": None,
        "stato": StatoLettera.BOZZA.value,
    }
    colonne_lettera = (
        "tipo",
        "canale",
        "destinatario_id",
        "ruolo",
        "struttura",
        "principale",
        "interessi",
        "spese",
        "maggiorazione",
        "totale",
        "motivi",
    )
    righe = [_riga_lettera(x) for x in proposte.lettere]
    inserisci_colonne(s, Lettera, colonne_lettera, righe, costanti_lettera)
    # One executemany, then the ids in insertion order (ascending: ``pianifica`` holds its lock),
    # far cheaper than RETURNING row by row.
    ids = s.scalars(select(Lettera.id).where(Lettera.lotto_id == lotto.id).order_by(Lettera.id)).all()
    residui = _residui(pratiche, {v.credito_id for x in proposte.lettere for v in x.voci})
    colonne_voce = (
        "residuo",
        "lettera_id",
        "credito_id",
        "principale",
        "interessi",
        "spese",
        "maggiorazione",
    )
    voci = [_riga_voce(i, v, residui) for i, x in zip(ids, proposte.lettere, strict=True) for v in x.voci]
    inserisci_colonne(s, LetteraCredito, colonne_voce, voci)
    esclusioni = [(c, e.articolo, e.motivo, e.dal) for c, e in proposte.esclusi]
    colonne_esclusione = ("credito_id", "articolo", "motivo", "dal")
    inserisci_colonne(s, RigaEsclusione, colonne_esclusione, esclusioni, {"lotto_id": lotto.id})
    colonne_segnalazione = (
        "credito_id",
        "tipo",
        "articolo",
        "motivo",
        "destinatario_id",
        "principale",
        "interessi",
        "spese",
        "maggiorazione",
    )
    segnalazioni = [_riga_segnalazione(c, x) for c, x in proposte.segnalazioni]
    inserisci_colonne(s, RigaSegnalazione, colonne_segnalazione, segnalazioni, {"lotto_id": lotto.id})
    testo = f"lotto del {oggi:%d/%m/%Y}: {len(proposte.lettere)} lettere proposte"
    registra(s, op, cosa="lotto.proposto", perche=testo, entita="lotto", entita_id=lotto.id)
    return lotto.id


def _riga_lettera(x: LetteraRaggruppata) -> tuple[Any, ...]:
    importi = x.importi
    return (
        x.tipo.value,
        x.canale.value,
        x.destinatario.id,
        x.ruolo.value,
        x.struttura,
        importi.principale,
        importi.interessi,
        importi.spese,
        importi.maggiorazione,
        importi.totale,
        [{"articolo": m.articolo, "testo": m.testo} for m in x.motivi],
    )


def _residui(pratiche: list[Pratica], ids: set[int]) -> dict[int, Decimal]:
    """Each credit's residual now: frozen with the letter, so a later payment shows (``differenze``).

    The amount minus every recorded payment (whatever its date), from the facts just loaded in
    the same transaction: the values ``totali_pagati`` would sum again in the database.
    """
    return {
        p.credito_id: p.importo - sum((x.importo for x in p.pagamenti), Decimal("0.00"))
        for p in pratiche
        if p.credito_id in ids
    }


def _riga_voce(lettera_id: int, voce: Voce, residui: dict[int, Decimal]) -> tuple[Any, ...]:
    importi = voce.importi
    return (
        residui[voce.credito_id],
        lettera_id,
        voce.credito_id,
        importi.principale,
        importi.interessi,
        importi.spese,
        importi.maggiorazione,
    )


def _riga_segnalazione(credito_id: int, x: SegnalazioneRegola) -> tuple[Any, ...]:
    importi = x.importi
    return (
        credito_id,
        x.tipo.value,
        x.articolo,
        x.motivo,
        x.destinatario.id if x.destinatario else None,
        importi.principale if importi else None,
        importi.interessi if importi else None,
        importi.spese if importi else None,
        importi.maggiorazione if importi else None,
    )


def trova_lotto(
    s: Session, lotto_id: int, ammessi: Iterable[StatoLotto] | None = None, passo: str = ""
) -> Lotto:
    """The lotto ``lotto_id``; with ``ammessi``, only in one of those states, else an Italian
    error that says which step is needed first (``passo``). Exit status 3 either way."""
    lotto = s.get(Lotto, lotto_id)
    if lotto is None:
        raise NonTrovatoError(f"Nessun lotto con numero {lotto_id}.", lotto=lotto_id)
    if ammessi is not None and StatoLotto(lotto.stato) not in set(ammessi):
        raise InputNonValidoError(f"Il lotto {lotto_id} è «{lotto.stato}»: {passo}", lotto=lotto_id)
    return lotto


def cambia_stato_lotto(s: Session, op: Operazione, lotto_id: int, nuovo: StatoLotto) -> Lotto:
    """The only way a lotto changes state: checked against the table, its letters follow, journaled."""
    lotto = trova_lotto(s, lotto_id)
    attuale = StatoLotto(lotto.stato)
    verifica_transizione_lotto(attuale, nuovo)
    lotto.stato = nuovo
    stato_lettere = {
        StatoLotto.APPROVATA: StatoLettera.APPROVATA,
        StatoLotto.ANNULLATA: StatoLettera.ANNULLATA,
    }
    for lettera in lotto.lettere:
        if nuovo in stato_lettere:
            lettera.stato = stato_lettere[nuovo]
    if nuovo is StatoLotto.APPROVATA:
        lotto.approvato_il, lotto.approvato_da = op.quando, op.operatore
    perche = f"lotto {lotto_id}: da {attuale} a {nuovo}"
    registra(
        s,
        op,
        cosa="lotto.stato",
        perche=perche,
        entita="lotto",
        entita_id=lotto_id,
        dati={"da": attuale, "a": nuovo},
    )
    return lotto


def mostra(s: Session, lotto_id: int) -> dict[str, Any]:
    """The lotto in the ``--json`` shape of the README, with what changed since it was frozen."""
    lotto = trova_lotto(s, lotto_id)
    crediti = {
        c.id: c for c in s.scalars(select(Credito).where(Credito.id.in_(_crediti_del_lotto(s, lotto_id))))
    }
    soggetti = {
        x.id: x for x in s.scalars(select(Soggetto).where(Soggetto.id.in_(_soggetti_del_lotto(s, lotto_id))))
    }
    pagato = totali_pagati(s, [c for c in crediti])
    return {
        "lotto": lotto.id,
        "data": lotto.data.isoformat(),
        "stato": lotto.stato,
        "lettere": [_lettera_json(x, crediti, soggetti, pagato) for x in lotto.lettere],
        "esclusi": [
            {
                "credito": crediti[e.credito_id].id_esterno,
                "struttura": crediti[e.credito_id].struttura,
                "articolo": e.articolo,
                "motivo": e.motivo,
                "dal": e.dal.isoformat() if e.dal else None,
            }
            for e in s.scalars(
                select(RigaEsclusione).where(RigaEsclusione.lotto_id == lotto_id).order_by(RigaEsclusione.id)
            )
        ],
        "segnalazioni": [
            _segnalazione_json(x, crediti, soggetti)
            for x in s.scalars(
                select(RigaSegnalazione)
                .where(RigaSegnalazione.lotto_id == lotto_id)
                .order_by(RigaSegnalazione.id)
            )
        ],
    }


def _crediti_del_lotto(s: Session, lotto_id: int) -> set[int]:
    nelle_lettere = select(LetteraCredito.credito_id).join(Lettera).where(Lettera.lotto_id == lotto_id)
    esclusi = select(RigaEsclusione.credito_id).where(RigaEsclusione.lotto_id == lotto_id)
    segnalati = select(RigaSegnalazione.credito_id).where(RigaSegnalazione.lotto_id == lotto_id)
    return set(s.scalars(nelle_lettere.union(esclusi, segnalati)))


def _soggetti_del_lotto(s: Session, lotto_id: int) -> set[int]:
    destinatari = select(Lettera.destinatario_id).where(Lettera.lotto_id == lotto_id)
    segnalati = select(RigaSegnalazione.destinatario_id).where(RigaSegnalazione.lotto_id == lotto_id)
    debitori = select(Credito.soggetto_id).where(Credito.id.in_(_crediti_del_lotto(s, lotto_id)))
    return {x for x in s.scalars(destinatari.union(segnalati, debitori)) if x is not None}


def _importi(
    principale: Decimal | None,
    interessi: Decimal | None,
    spese: Decimal | None,
    maggiorazione: Decimal | None,
) -> dict[str, str]:
    valori = [x or Decimal("0.00") for x in (principale, interessi, spese, maggiorazione)]
    nomi = ("principale", "interessi", "spese", "maggiorazione")
    return {
        **{n: in_json(v) for n, v in zip(nomi, valori, strict=True)},
        "totale": in_json(sum(valori, Decimal("0.00"))),
    }


def _lettera_json(
    x: Lettera, crediti: dict[int, Credito], soggetti: dict[int, Soggetto], pagato: dict[int, Decimal]
) -> dict[str, Any]:
    return {
        "id": x.id,
        "tipo": x.tipo,
        "canale": x.canale,
        "stato": x.stato,
        "struttura": x.struttura,
        "destinatario": {"codice_fiscale": soggetti[x.destinatario_id].codice_fiscale, "ruolo": x.ruolo},
        "crediti": [crediti[v.credito_id].id_esterno for v in x.crediti],
        "importi": _importi(x.principale, x.interessi, x.spese, x.maggiorazione),
        "motivi": x.motivi or [],
        "differenze": _differenze(x, crediti, pagato),
    }


def differenze_del_lotto(s: Session, lotto_id: int) -> dict[int, list[dict[str, str]]]:
    """The letters whose frozen amounts no longer match the credits (a payment arrived since
    approval), with what changed: ``invia`` holds them back instead of sending a wrong demand."""
    lettere = list(s.scalars(select(Lettera).where(Lettera.lotto_id == lotto_id)))
    ids = _crediti_del_lotto_nelle_lettere(s, lotto_id)
    crediti = {
        c.id: c
        for blocco in a_blocchi(sorted(ids))
        for c in s.scalars(select(Credito).where(Credito.id.in_(blocco)))
    }
    pagato = totali_pagati(s, ids)
    risultato = {x.id: _differenze(x, crediti, pagato) for x in lettere}
    return {k: v for k, v in risultato.items() if v}


def _crediti_del_lotto_nelle_lettere(s: Session, lotto_id: int) -> set[int]:
    return set(s.scalars(select(LetteraCredito.credito_id).join(Lettera).where(Lettera.lotto_id == lotto_id)))


def _differenze(x: Lettera, crediti: dict[int, Credito], pagato: dict[int, Decimal]) -> list[dict[str, str]]:
    """Credits whose residual no longer matches the frozen amount (a payment arrived)."""
    risultato = []
    for voce in x.crediti:
        credito = crediti[voce.credito_id]
        attuale = credito.importo - pagato.get(credito.id, Decimal("0.00"))
        # An heir's letter demands a share: the residual frozen beside it is what to compare.
        congelato = voce.residuo if voce.residuo is not None else voce.principale
        if congelato is not None and attuale != congelato:
            risultato.append(
                {
                    "credito": credito.id_esterno,
                    "congelato": in_json(congelato),
                    "attuale": in_json(attuale),
                }
            )
    return risultato


def _segnalazione_json(
    x: RigaSegnalazione, crediti: dict[int, Credito], soggetti: dict[int, Soggetto]
) -> dict[str, Any]:
    con_importi = x.principale is not None
    destinatario = soggetti.get(x.destinatario_id) if x.destinatario_id else None
    return {
        "tipo": x.tipo,
        "crediti": [crediti[x.credito_id].id_esterno],
        "destinatario": {"codice_fiscale": destinatario.codice_fiscale} if destinatario else None,
        "importi": _importi(x.principale, x.interessi, x.spese, x.maggiorazione) if con_importi else None,
        "articolo": x.articolo,
        "motivo": x.motivo,
    }
