"""The journal written in one go (``giornale.in_blocco``) is the journal written event by event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Engine, text

from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, in_blocco, registra
from corrispondenza.store.tabelle import Evento

OP = Operazione("prova", datetime(2026, 12, 2, 10, 30, tzinfo=UTC))
EVENTI = [
    {
        "cosa": "lettera.riscontro",
        "perche": "consegnata",
        "entita": "lettera",
        "entita_id": 7,
        "dati": {"da": "accettata", "a": "consegnata", "data": "2026-11-24T10:32:05+01:00"},
    },
    {
        "cosa": "lettera.non_notificata",
        "perche": "destinatario «esterno»",
        "entita": "lettera",
        "entita_id": 8,
    },
    {"cosa": "credito.stato", "perche": "àèìòù €", "entita": "credito", "entita_id": None, "dati": {}},
]


def _giornale(engine: Engine) -> list[tuple]:
    with engine.connect() as c:  # the stored values themselves, not what the ORM reads back
        return [tuple(r) for r in c.execute(text("SELECT * FROM eventi ORDER BY id"))]


def test_in_blocco_scrive_gli_stessi_eventi_dell_orm(engine: Engine) -> None:
    with sessione(engine) as s:
        for e in EVENTI:
            registra(s, OP, **e)
    uno_a_uno = _giornale(engine)
    with sessione(engine) as s, in_blocco(s):
        for e in EVENTI:
            registra(s, OP, **e)
        assert len(_giornale(engine)) == len(EVENTI)  # kept until the block ends
    insieme = _giornale(engine)[len(EVENTI) :]
    assert [r[1:] for r in insieme] == [r[1:] for r in uno_a_uno]  # all but the id
    assert [r[0] for r in insieme] == sorted(r[0] for r in insieme)  # in the order journaled


def test_in_blocco_che_fallisce_non_scrive_nulla(engine: Engine) -> None:
    with pytest.raises(RuntimeError), sessione(engine) as s, in_blocco(s):
        registra(s, OP, **EVENTI[0])
        raise RuntimeError("a metà")
    assert _giornale(engine) == []


def test_in_blocco_annidato_scrive_una_volta_alla_fine(engine: Engine) -> None:
    with sessione(engine) as s, in_blocco(s):
        registra(s, OP, **EVENTI[0])
        with in_blocco(s):
            registra(s, OP, **EVENTI[1])
        assert s.info  # still buffering: the outer block writes
    assert [r[3] for r in _giornale(engine)] == ["lettera.riscontro", "lettera.non_notificata"]


def test_i_processori_veloci_danno_il_testo_di_sqlalchemy(engine: Engine) -> None:
    """``database.processore``: where it replaces SQLAlchemy's bind processor (datetimes and
    dates on SQLite, the journal's JSON), the value for the driver is the same."""
    from datetime import date, timedelta, timezone
    from decimal import Decimal

    from corrispondenza.stato import Riscontro
    from corrispondenza.store.database import processore
    from corrispondenza.store.tabelle import Lettera

    roma = timezone(timedelta(hours=2))
    valori = {
        Evento.__table__.c.quando: [
            datetime(2026, 11, 23, 9, 0, 3, 5, tzinfo=UTC),
            datetime(2026, 7, 1, 23, 59, 59, tzinfo=roma),
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(2026, 1, 2, 3, 4, 5),  # naive, as SQLite reads them back
            date(2026, 11, 23),  # a date in a DateTime column: SQLAlchemy's own path
        ],
        Lettera.__table__.c.data_consegna: [date(2026, 11, 23), date(999, 1, 2), date.max],
        Evento.__table__.c.dati: [
            {"da": None, "a": Riscontro.CONSEGNATA, "data": "2026-11-23T10:00:03+01:00"},
            {"perché": 'àè € "x" \\ \n\t', "a": "b"},
            {},
            {"n": 1, "x": Decimal("1.5").as_integer_ratio()[0]},
            {"l": [1, "a"], "d": {"a": None}},
            [1, 2],
            "testo",
            None,
            JSON.NULL,
        ],
    }
    dialetto = engine.dialect
    for colonna, prove in valori.items():
        veloce, generale = processore(colonna.type, dialetto), colonna.type._cached_bind_processor(dialetto)
        if veloce is generale:  # SQLAlchemy's own (PostgreSQL takes dates and dicts as they are)
            continue
        for v in prove:
            assert (veloce(v) if veloce else v) == (generale(v) if generale else v), (colonna, v)
