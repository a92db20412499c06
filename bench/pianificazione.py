"""Planning throughput: ``pianifica`` on N credits against a bare SQL read of the same rows.

The archive is built once by importing the generated sample (soggetti, relazioni, crediti,
pagamenti, storico). The baseline reads every row planning looks at (credits, people,
relations, payments, letters with their credits) with plain ``SELECT``s and ``fetchall``;
ours loads the same rows as ``Pratica`` objects, runs the rules on every credit, groups the
letters and stores the lotto (letters, exclusions, reports). Target: at most 5× the read
(rapporto >= 0.2). Each figure is the best of a few runs, each on a fresh copy of the archive.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config.schema import Config
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.lotti import pianifica
from corrispondenza.regole.parametri import Parametri
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.workspace import config_iniziale

OGGI = date(2026, 11, 23)
GIORNO = date(2026, 11, 30)
RIPETIZIONI = 3
TABELLE = ("crediti", "soggetti", "relazioni", "pagamenti", "lettere", "lettere_crediti")


def misura_pianificazione(n_crediti: int) -> dict[str, dict[str, Any]]:
    import yaml

    par = Parametri.da_config(Config.model_validate(yaml.safe_load(config_iniziale())))
    with tempfile.TemporaryDirectory(prefix="bench-pianifica-") as cartella:
        base = Path(cartella)
        modello = base / "archivio.db"
        _costruisci(modello, base / "dati", n_crediti)
        nostro = min(_pianifica(_copia(modello, base, i), par) for i in range(RIPETIZIONI))
        lettura = min(_leggi(_copia(modello, base, 10 + i)) for i in range(RIPETIZIONI))
    return {
        "pianificazione_crediti": {
            "valore": round(nostro, 3),
            "unita": "s",
            "baseline": round(lettura, 3),
            "rapporto": round(lettura / nostro, 3),
            "obiettivo": ">= 0.2",
            "crediti": n_crediti,
        }
    }


def _costruisci(percorso: Path, cartella: Path, n_crediti: int) -> None:
    file = scrivi_campione(genera_campione(n_crediti, seed=7, oggi=OGGI), cartella)
    engine = apri(f"sqlite:///{percorso}")
    contesto = Contesto(
        oggi=OGGI, strutture=frozenset({"TICKET", "BILANCIO", "LEGALE"}), op=Operazione("bench")
    )
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        esito = importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
        if esito.errori:
            raise RuntimeError(f"archivio di prova non valido: {esito.errori[:3]}")
    with engine.connect() as c:  # outside a transaction: every one begins IMMEDIATE (store/database)
        c.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _copia(modello: Path, base: Path, n: int) -> str:
    copia = base / f"copia-{n}.db"
    shutil.copyfile(modello, copia)
    return f"sqlite:///{copia}"


def _pianifica(url: str, par: Parametri) -> float:
    engine = apri(url)
    inizio = time.perf_counter()
    with sessione(engine) as s:
        esito = pianifica(s, Operazione("bench"), GIORNO, par)
    secondi = time.perf_counter() - inizio
    engine.dispose()
    if esito.lotto_id is None:
        raise RuntimeError("la pianificazione di prova non ha proposto nulla")
    return secondi


def _leggi(url: str) -> float:
    engine = apri(url)
    inizio = time.perf_counter()
    with engine.connect() as c:
        for tabella in TABELLE:
            c.exec_driver_sql(f"SELECT * FROM {tabella}").fetchall()
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi
