"""Import throughput: ``importa soggetti`` + ``importa crediti`` against bare inserts of the same rows.

All runs use a fresh SQLite file opened the same way (WAL, schema from the migrations). Two
baselines receive the rows already parsed, with their keys already resolved, and only insert
them in one transaction:

- ``executemany`` at the driver (sqlite3), the floor any importer sits on: the figure the
  target (>= 0.5) is set against;
- ``executemany`` through SQLAlchemy Core (``conn.execute(insert(t), righe)``), the insert path
  a SQLAlchemy application would write by hand, reported for context.

Ours reads the CSV files, validates every field (codice fiscale check characters included),
resolves the references, plans new/changed/unchanged and writes with its journal record. On
files this big it does so as a user's import would: two forked validators read and validate
the parts of the file while the main process inserts them (``importa/flusso.py``); the
baselines insert from one process, so on the two cores of the reference machine the ratio
measures how much of the validation is hidden behind the writing. Rows counted: soggetti +
crediti. Each figure is the best of ``RIPETIZIONI`` runs.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from corrispondenza.campione import Campione, genera_campione, scrivi_campione
from corrispondenza.dominio.euro import leggi_importo
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.importa.campi import leggi_data
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Credito, Soggetto

OGGI = date(2026, 11, 23)
STRUTTURE = frozenset({"TICKET", "BILANCIO", "LEGALE"})
RIPETIZIONI = 3


def misura_importazione(n_crediti: int) -> dict[str, dict[str, Any]]:
    campione = genera_campione(n_crediti, seed=7, oggi=OGGI)
    soggetti, crediti = _righe_pronte(campione)
    righe = len(soggetti) + len(crediti)
    with tempfile.TemporaryDirectory(prefix="bench-importa-") as cartella:
        base = Path(cartella)
        file = scrivi_campione(campione, base / "dati")
        nostro = _migliore(base, lambda url: _importa(url, file))
        driver = _migliore(base, lambda url: _executemany_driver(url, soggetti, crediti))
        core = _migliore(base, lambda url: _executemany_core(url, soggetti, crediti))
    return {
        "importazione_crediti": _figura(righe / nostro, righe / driver, ">= 0.5", righe),
        "importazione_crediti_vs_core": _figura(righe / nostro, righe / core, "informativo", righe),
    }


def _figura(nostro: float, baseline: float, obiettivo: str, righe: int) -> dict[str, Any]:
    return {
        "valore": round(nostro, 1),
        "unita": "righe/s",
        "baseline": round(baseline, 1),
        "rapporto": round(nostro / baseline, 3),
        "obiettivo": obiettivo,
        "righe": righe,
    }


def _migliore(cartella: Path, prova: Callable[[str], float]) -> float:
    """Best (shortest) of a few runs, each on a new database file."""
    tempi = []
    for _ in range(RIPETIZIONI):
        percorso = Path(tempfile.mkdtemp(dir=cartella)) / "bench.db"
        tempi.append(prova(f"sqlite:///{percorso}"))
    return min(tempi)


def _importa(url: str, file: dict[str, Path]) -> float:
    engine = apri(url)
    contesto = Contesto(oggi=OGGI, strutture=STRUTTURE, op=Operazione("bench"))
    inizio = time.perf_counter()
    for tipo in ("soggetti", "crediti"):
        esito = importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
        if esito.errori or not esito.scritto:
            raise RuntimeError(f"importazione {tipo} non riuscita: {esito.errori[:3]}")
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi


def _executemany_driver(url: str, soggetti: list[dict], crediti: list[dict]) -> float:
    """sqlite3's own executemany, with dates and cents already in the form SQLite stores."""
    tabelle = [
        (nome, list(righe[0]), [tuple(_per_sqlite(v) for v in r.values()) for r in righe])
        for nome, righe in (("soggetti", soggetti), ("crediti", crediti))
    ]
    engine = apri(url)
    inizio = time.perf_counter()
    with engine.begin() as c:
        for tabella, colonne, righe in tabelle:
            segnaposti = ", ".join("?" * len(colonne))
            c.exec_driver_sql(f"INSERT INTO {tabella} ({', '.join(colonne)}) VALUES ({segnaposti})", righe)
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi


def _executemany_core(url: str, soggetti: list[dict], crediti: list[dict]) -> float:
    engine = apri(url)
    inizio = time.perf_counter()
    with engine.begin() as c:
        c.execute(insert(Soggetto.__table__), soggetti)
        c.execute(insert(Credito.__table__), crediti)
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi


def _per_sqlite(valore: Any) -> Any:
    if isinstance(valore, date):
        return valore.isoformat()
    if isinstance(valore, Decimal):
        return int(valore * 100)
    return valore


def _righe_pronte(campione: Campione) -> tuple[list[dict], list[dict]]:
    """The rows as the importer stores them, parsed outside the timed region."""
    ids: dict[str, int] = {}
    soggetti = []
    for i, r in enumerate(campione.soggetti, start=1):
        ids[r["codice_fiscale"]] = i
        soggetti.append(
            {
                **{c: v or None for c, v in r.items()},
                "id": i,
                "data_nascita": _data(r["data_nascita"]),
                "deceduto_il": _data(r["deceduto_il"]),
                "fallimento_il": _data(r["fallimento_il"]),
                "fallito": bool(r["fallimento_il"]),
            }
        )
    crediti = [
        {
            "id_esterno": r["id_credito"],
            "struttura": r["struttura"],
            "tipo": r["tipo"],
            "soggetto_id": ids[r["codice_fiscale"]],
            "numero_documento": r["numero_documento"] or None,
            "data_documento": _data(r["data_documento"]),
            "data_prestazione": _data(r["data_prestazione"]),
            "scadenza": _data(r["scadenza"]),
            "importo": leggi_importo(r["importo"]),
            "descrizione": r["descrizione"] or None,
            "stato": "aperto",
            "fase": "rilevazione",
        }
        for r in campione.crediti
    ]
    return soggetti, crediti


def _data(testo: str) -> date | None:
    return leggi_data(testo) if testo else None
