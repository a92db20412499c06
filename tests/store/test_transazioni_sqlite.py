"""SQLite in WAL mode: a transaction that may write begins IMMEDIATE (``_inizia_sqlite``).

A deferred transaction that reads, then writes after another process has committed, fails at
once with "database is locked" whatever the busy timeout (SQLITE_BUSY_SNAPSHOT): that is what
made ``ricevute --segui`` beside ``invia`` fail now and then. These tests name the two cases.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from corrispondenza.store.database import apri, sessione
from corrispondenza.store.tabelle import Importazione


def _conta(engine) -> int:
    with sessione(engine, sola_lettura=True) as s:
        return s.scalar(select(func.count()).select_from(Importazione))


def _aggiungi(engine) -> None:
    with sessione(engine) as s:
        s.execute(
            text(
                "INSERT INTO importazioni (tipo, file, sha256, quando, operatore, nuovi, aggiornati,"
                " invariati, scartati) VALUES ('crediti', 'f', 'x', '2026-12-01', 'prova', 0, 0, 0, 0)"
            )
        )


def test_leggere_poi_scrivere_mentre_un_altro_processo_scrive_attende_invece_di_fallire(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    primo, secondo = apri(url), apri(url)
    errori: list[BaseException] = []

    def altro() -> None:
        try:
            _aggiungi(secondo)  # waits for the first transaction, then commits
        except BaseException as exc:  # pragma: no cover - the failure this test is about
            errori.append(exc)

    with sessione(primo) as s:
        s.scalar(select(func.count()).select_from(Importazione))  # reads first...
        filo = threading.Thread(target=altro)
        filo.start()
        time.sleep(0.3)  # ...the other writer tries meanwhile...
        s.execute(text("UPDATE blocchi SET nome = nome"))  # ...then writes: no stale snapshot
    filo.join(15)
    assert errori == []
    assert _conta(primo) == 1
    primo.dispose()
    secondo.dispose()


def test_una_lettura_non_blocca_chi_scrive(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    lettore, scrittore = apri(url), apri(url)
    with sessione(lettore, sola_lettura=True) as s:
        prima = s.scalar(select(func.count()).select_from(Importazione))
        inizio = time.monotonic()
        _aggiungi(scrittore)  # commits at once, while the reader's transaction is open
        assert time.monotonic() - inizio < 2
        assert s.scalar(select(func.count()).select_from(Importazione)) == prima  # its snapshot
    assert _conta(lettore) == prima + 1
    lettore.dispose()
    scrittore.dispose()
