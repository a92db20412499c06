"""Loading credits as ``Pratica`` objects for the rules: one query per table, assembled in memory.

The rules never touch the database; this is the adapter that gives them every fact they need
(debtor, representatives, heirs, payments, letters) for many credits at once.

A month's planning loads every credit (bench/pianificazione.py: 100 000), so each query asks
only for the columns the rules read, rows are unpacked as tuples (an attribute of a Core row
costs a lookup by name) and enum values are looked up in a dict rather than through the enum's
constructor; the facts of one person (a ``Persona``, their heirs) are built once and shared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from corrispondenza.dominio.pratica import Erede, LetteraInviata, Pagamento, Persona, Pratica, Rappresentante
from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.stato import StatoCredito
from corrispondenza.store.tabelle import Credito, Lettera, LetteraCredito, Relazione, Soggetto
from corrispondenza.store.tabelle import Pagamento as RigaPagamento

E = TypeVar("E", bound=Enum)


def carica_pratiche(s: Session, stati: Iterable[StatoCredito] | None = None) -> list[Pratica]:
    """Every credit (or those in ``stati``) with all its facts, ordered by id."""
    t = Credito.__table__.c
    query = select(
        t.id,
        t.id_esterno,
        t.struttura,
        t.tipo,
        t.importo,
        t.soggetto_id,
        t.stato,
        t.data_documento,
        t.data_prestazione,
        t.scadenza,
    ).order_by(t.id)
    if stati is not None:
        query = query.where(t.stato.in_([x.value for x in stati]))
    c = s.connection()  # Core rows: the ORM's loading machinery would triple the time
    crediti = c.execute(query).all()
    persone = _persone(c)
    rappresentanti, eredi = _relazioni(c, persone)
    pagamenti = _pagamenti(c)
    lettere = _lettere(c)
    vuoto: tuple[Any, ...] = ()
    return [
        Pratica(
            credito_id,
            id_esterno,
            struttura,
            _TIPI.get(tipo) or TipoCredito(tipo),
            importo,
            persone[soggetto_id],
            _STATI.get(stato) or StatoCredito(stato),
            data_documento,
            data_prestazione,
            scadenza,
            rappresentanti.get(soggetto_id, vuoto),
            eredi.get(soggetto_id, vuoto),
            pagamenti.get(credito_id, vuoto),
            lettere.get(credito_id, vuoto),
        )
        for (
            credito_id,
            id_esterno,
            struttura,
            tipo,
            importo,
            soggetto_id,
            stato,
            data_documento,
            data_prestazione,
            scadenza,
        ) in crediti
    ]


def _valori(enum: type[E]) -> dict[str, E]:
    return {x.value: x for x in enum}


_TIPI = _valori(TipoCredito)
_STATI = _valori(StatoCredito)
_TIPI_SOGGETTO = _valori(TipoSoggetto)
_TIPI_LETTERA = _valori(TipoLettera)
_CANALI = _valori(Canale)
_ESITI = _valori(EsitoStorico)


def _persone(c: Connection) -> dict[int, Persona]:
    """From the ``soggetti`` rows (plain columns, not ORM objects: it is ten times faster)."""
    t = Soggetto.__table__.c
    query = select(
        t.id,
        t.codice_fiscale,
        t.tipo,
        t.ragione_sociale,
        t.cognome,
        t.nome,
        t.data_nascita,
        t.indirizzo,
        t.cap,
        t.comune,
        t.domicilio_indirizzo,
        t.domicilio_cap,
        t.domicilio_comune,
        t.email,
        t.pec,
        t.deceduto_il,
        t.fallito,
        t.fallimento_il,
    )
    persone = {}
    for (
        id_,
        codice_fiscale,
        tipo,
        ragione_sociale,
        cognome,
        nome,
        data_nascita,
        indirizzo,
        cap,
        comune,
        domicilio_indirizzo,
        domicilio_cap,
        domicilio_comune,
        email,
        pec,
        deceduto_il,
        fallito,
        fallimento_il,
    ) in c.execute(query).all():
        residenza = bool(indirizzo and cap and comune)
        domicilio = bool(domicilio_indirizzo and domicilio_cap and domicilio_comune)
        persone[id_] = Persona(
            id_,
            codice_fiscale,
            _TIPI_SOGGETTO.get(tipo) or TipoSoggetto(tipo),
            ragione_sociale or f"{cognome or ''} {nome or ''}".strip(),
            data_nascita,
            residenza or domicilio,
            email,
            pec,
            deceduto_il,
            fallimento_il if fallito else None,
        )
    return persone


def _relazioni(
    s: Connection, persone: dict[int, Persona]
) -> tuple[dict[int, tuple[Rappresentante, ...]], dict[int, tuple[Erede, ...]]]:
    rappresentanti: dict[int, list[Rappresentante]] = defaultdict(list)
    eredi: dict[int, list[Erede]] = defaultdict(list)
    t = Relazione.__table__.c
    query = select(t.soggetto_id, t.collegato_id, t.tipo, t.quota_numeratore, t.quota_denominatore)
    for soggetto_id, collegato_id, tipo, numeratore, denominatore in s.execute(query.order_by(t.id)).all():
        collegato = persone[collegato_id]
        if tipo == "erede":
            eredi[soggetto_id].append(Erede(collegato, Fraction(numeratore or 0, denominatore or 1)))
        else:
            rappresentanti[soggetto_id].append(Rappresentante(collegato, tipo))
    return _in_tuple(rappresentanti), _in_tuple(eredi)


def _pagamenti(s: Connection) -> dict[int, tuple[Pagamento, ...]]:
    per_credito: dict[int, list[Pagamento]] = defaultdict(list)
    query = select(RigaPagamento.credito_id, RigaPagamento.data, RigaPagamento.importo).order_by(
        RigaPagamento.id
    )
    for credito_id, data, importo in s.execute(query).all():
        per_credito[credito_id].append(Pagamento(data, importo))
    return _in_tuple(per_credito)


def _lettere(s: Connection) -> dict[int, tuple[LetteraInviata, ...]]:
    per_credito: dict[int, list[LetteraInviata]] = defaultdict(list)
    t = Lettera.__table__.c
    query = (
        select(
            LetteraCredito.credito_id,
            t.tipo,
            t.canale,
            t.data_invio,
            t.esito,
            t.data_consegna,
            t.spese,
            t.destinatario_id,
        )
        .join(Lettera, Lettera.id == LetteraCredito.lettera_id)
        .where(t.data_invio.is_not(None))
        .order_by(t.data_invio, t.id)
    )
    for credito_id, tipo, canale, data_invio, esito, data_consegna, spese, destinatario_id in s.execute(
        query
    ):
        esito = esito or EsitoStorico.IN_ATTESA.value
        per_credito[credito_id].append(
            LetteraInviata(
                _TIPI_LETTERA.get(tipo) or TipoLettera(tipo),
                _CANALI.get(canale) or Canale(canale),
                data_invio,
                _ESITI.get(esito) or EsitoStorico(esito),
                data_consegna,
                spese,
                destinatario_id,
            )
        )
    return _in_tuple(per_credito)


def _in_tuple(gruppi: dict[int, list[Any]]) -> dict[int, tuple[Any, ...]]:
    return {k: tuple(v) for k, v in gruppi.items()}
