"""The journal written in one go (``giornale.in_blocco``) is the journal written event by event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, in_blocco, registra

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
