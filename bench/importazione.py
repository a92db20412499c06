"""Import throughput: ``importa soggetti`` + ``importa crediti`` vs a bare ``executemany``.

Both run on a fresh SQLite file opened the same way (WAL, same schema by the migrations).
The baseline receives the rows already parsed, with their keys already resolved, and does
nothing but two ``executemany`` calls and a commit: the floor any importer sits on. Ours reads
the CSV files, validates every field (codice fiscale check characters included), resolves the
references and writes. Rows counted: soggetti + crediti.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.dominio.euro import leggi_importo
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.importa.campi import leggi_data
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione

OGGI = date(2026, 11, 23)
STRUTTURE = frozenset({"TICKET", "BILANCIO", "LEGALE"})


def misura_importazione(n_crediti: int) -> dict[str, Any]:
    campione = genera_campione(n_crediti, seed=7, oggi=OGGI)
    with tempfile.TemporaryDirectory(prefix="bench-importa-") as cartella:
        base = Path(cartella)
        file = scrivi_campione(campione, base / "dati")
        righe = len(campione.soggetti) + len(campione.crediti)
        secondi_nostri = _importa(base / "nostro.db", file)
        secondi_base = _executemany(base / "base.db", campione)
    nostro, baseline = righe / secondi_nostri, righe / secondi_base
    return {
        "valore": round(nostro, 1),
        "unita": "righe/s",
        "baseline": round(baseline, 1),
        "rapporto": round(nostro / baseline, 3),
        "obiettivo": ">= 0.5",
        "righe": righe,
    }


def _importa(percorso: Path, file: dict[str, Path]) -> float:
    engine = apri(f"sqlite:///{percorso}")
    contesto = Contesto(oggi=OGGI, strutture=STRUTTURE, op=Operazione("bench"))
    inizio = time.perf_counter()
    for tipo in ("soggetti", "crediti"):
        esito = importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
        if esito.errori or not esito.scritto:
            raise RuntimeError(f"importazione {tipo} non riuscita: {esito.errori[:3]}")
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi


def _executemany(percorso: Path, campione: Any) -> float:
    soggetti, crediti = _righe_pronte(campione)
    engine = apri(f"sqlite:///{percorso}")
    inizio = time.perf_counter()
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO soggetti (id, codice_fiscale, tipo, cognome, nome, ragione_sociale, data_nascita, "
            "indirizzo, cap, comune, provincia, email, pec, deceduto_il, fallito, fallimento_il) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            soggetti,
        )
        c.exec_driver_sql(
            "INSERT INTO crediti (id_esterno, struttura, tipo, soggetto_id, numero_documento, "
            "data_documento, data_prestazione, scadenza, importo, descrizione, stato, fase) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'aperto', 'rilevazione')",
            crediti,
        )
    secondi = time.perf_counter() - inizio
    engine.dispose()
    return secondi


def _righe_pronte(campione: Any) -> tuple[list[tuple], list[tuple]]:
    """Parse outside the timed region: the baseline only inserts."""
    ids: dict[str, int] = {}
    soggetti = []
    for i, r in enumerate(campione.soggetti, start=1):
        ids[r["codice_fiscale"]] = i
        soggetti.append(
            (
                i,
                r["codice_fiscale"],
                r["tipo"],
                r["cognome"] or None,
                r["nome"] or None,
                r["ragione_sociale"] or None,
                _data(r["data_nascita"]),
                r["indirizzo"] or None,
                r["cap"] or None,
                r["comune"] or None,
                r["provincia"] or None,
                r["email"] or None,
                r["pec"] or None,
                _data(r["deceduto_il"]),
                bool(r["fallimento_il"]),
                _data(r["fallimento_il"]),
            )
        )
    crediti = [
        (
            r["id_credito"],
            r["struttura"],
            r["tipo"],
            ids[r["codice_fiscale"]],
            r["numero_documento"] or None,
            _data(r["data_documento"]),
            _data(r["data_prestazione"]),
            _data(r["scadenza"]),
            int(leggi_importo(r["importo"]) * 100),
            r["descrizione"] or None,
        )
        for r in campione.crediti
    ]
    return soggetti, crediti


def _data(testo: str) -> str | None:
    return leggi_data(testo).isoformat() if testo else None
