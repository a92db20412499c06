"""The column-wise fast path (colonnare.py) gives exactly what row-by-row validation gives.

Each importer validates the same rows twice, with and without ``valida_colonne``: the records
of the valid rows and every problem (row, column, value, reason, in order) must be identical,
on a generated sample with one cell in three replaced by something doubtful.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from stdnum.it import codicefiscale

from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.importa import IMPORTATORI, Contesto
from corrispondenza.importa.campi import leggi_positivo
from corrispondenza.importa.colonnare import importo_positivo
from corrispondenza.importa.lettura import leggi_tabella
from corrispondenza.importa.motore import _valida_tutte, costruisci_righe, mappa_intestazione
from corrispondenza.store.giornale import Operazione

OGGI = date(2026, 11, 23)
CTX = Contesto(oggi=OGGI, strutture=frozenset({"TICKET", "BILANCIO", "LEGALE"}), op=Operazione("prova"))
_CF_SENZA_CONTROLLO = "RSSMRA85T10A562"

DUBBI = [
    "",
    "x",
    "0",
    "-5",
    "1e30",
    "12,345",
    "1.234,56",
    "100000000",
    "99999999,99",
    "0,00",
    "31/02/2020",
    "2030-01-01",
    "01/01/1899",
    "01/01/1900",
    "23/11/2026",
    "24/11/2026",
    "2026-11-23",
    "15/03/2015",
    "10/12/1985",
    "10/12/1885",
    "01/06/2025",
    "01/01/2033",
    "A",
    "a",
    "FISICA",
    "giuridica",
    "fisica",
    "ticket",
    "LEGALE",
    "ALTRO",
    "rssmra85t10a562s",
    "RSSMRA85T10A562S",
    "RSSMRA 85T10A562S",
    "RSSMRA85T10A562X",
    _CF_SENZA_CONTROLLO + codicefiscale.calc_check_digit(_CF_SENZA_CONTROLLO),
    "09123450372",
    "09123450371",
    "BNCLCU15C15A944I",
    "VRDNNA70B50A944U",
    "40121",
    "123",
    "4012A",
    "BO",
    "b0",
    "bo",
    "EE",
    "mario.rossi@example.it",
    "non-una-mail",
    "MARIO@PEC.IT",
    "x" * 51,
    "y" * 201,
    "z" * 121,
    "Via Roma 1",
    "Bologna",
]


@pytest.fixture(scope="module")
def file(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    campione = genera_campione(1500, seed=3, oggi=OGGI)
    caso = random.Random(17)
    for righe in (campione.soggetti, campione.crediti):
        for riga in righe:
            for colonna in list(riga):
                if caso.random() < 0.06:
                    riga[colonna] = "" if caso.random() < 0.3 else caso.choice(DUBBI)
    # each check across the columns of a row, on rows otherwise valid
    mirati = [
        {"deceduto_il": "01/01/1950"},
        {"deceduto_il": "01/01/2000"},
        {"tipo": "giuridica", "ragione_sociale": "Ditta", "deceduto_il": "01/01/2020"},
        {"tipo": "giuridica", "ragione_sociale": ""},
        {"nome": ""},
        {"cognome": ""},
        {"cap": ""},
        {"indirizzo": "", "comune": ""},
        {"indirizzo": "", "cap": "", "comune": ""},
        {"data_nascita": ""},
        {"data_nascita": "11/12/1985"},
        {"data_nascita": "10/12/1885"},
    ]
    for i, cambi in enumerate(mirati * 5):
        campione.soggetti[10 + 7 * i].update(cambi)
    mirati = [
        {"data_documento": "", "data_prestazione": ""},
        {"data_documento": "", "data_prestazione": "01/01/2020", "scadenza": "01/01/2019"},
        {"data_documento": "01/01/2020", "scadenza": "31/12/2019"},
        {"data_documento": "01/01/2020", "scadenza": "01/01/2020"},
        {"scadenza": "01/01/2032"},
        {"scadenza": "01/12/2031"},
        {"scadenza": ""},
        {"data_documento": ""},
    ]
    for i, cambi in enumerate(mirati * 5):
        campione.crediti[10 + 7 * i].update(cambi)
    # repeated keys, in both directions of the check
    campione.soggetti.append(dict(campione.soggetti[3]))
    campione.crediti.append(dict(campione.crediti[5]))
    return scrivi_campione(campione, tmp_path_factory.mktemp("colonnare"))


def _valida(tipo: str, percorso: Path, veloce: bool, soggetti: dict[str, int]) -> tuple[list[Any], list[Any]]:
    importatore = IMPORTATORI[tipo]()
    tabella = leggi_tabella(percorso)
    righe, _ = costruisci_righe(tabella, tabella.righe, mappa_intestazione(tabella, tipo, {}))
    importatore.presenti = frozenset(righe[0].colonne)
    importatore.esistenti = {}
    importatore.soggetti = soggetti  # type: ignore[attr-defined]
    importatore.pagato = {}  # type: ignore[attr-defined]
    if not veloce:
        importatore.valida_colonne = lambda righe, ctx: None  # type: ignore[method-assign]
    validi = _valida_tutte(importatore, righe, CTX)
    records = [(riga.numero, rec) for riga, rec in validi if riga.valida]
    problemi = [(p.riga, p.colonna, p.valore, p.motivo) for r in righe for p in r.problemi]
    return records, problemi


@pytest.mark.parametrize("tipo", ["soggetti", "crediti"])
def test_stessi_record_e_stessi_problemi(tipo: str, file: dict[str, Path]) -> None:
    soggetti_validi, _ = _valida("soggetti", file["soggetti"], False, {})
    soggetti = {rec["codice_fiscale"]: i for i, (_, rec) in enumerate(soggetti_validi, start=1)}
    veloce = _valida(tipo, file[tipo], True, soggetti)
    lento = _valida(tipo, file[tipo], False, soggetti)
    assert veloce == lento
    records, problemi = lento
    assert len(records) > 50 and len(problemi) > 50  # both kinds of row are really exercised


def test_celle_non_di_testo_vanno_riga_per_riga(tmp_path: Path) -> None:
    """A JSON number in a used column: the fast path steps aside, the result is the same."""
    percorso = tmp_path / "soggetti.json"
    percorso.write_text(
        '[{"codice_fiscale": "RSSMRA85T10A562S", "tipo": "fisica", "cognome": "Rossi", "nome": "Mario",'
        ' "cap": 40121, "indirizzo": "Via Roma 1", "comune": "Bologna"}]',
        encoding="utf-8",
    )
    assert _valida("soggetti", percorso, True, {}) == _valida("soggetti", percorso, False, {})
    records, problemi = _valida("soggetti", percorso, True, {})
    assert records[0][1]["cap"] == "40121" and not problemi


def test_importo_positivo_come_leggi_positivo() -> None:
    valori = [*DUBBI, "15,50", "0,01", "0,00", "00012,50", "12345678,90", "123456789,00", "١٢,٥٠", "12,5"]
    for valore in valori:
        try:
            atteso = str(leggi_positivo(valore))
        except ValueError as exc:
            atteso = str(exc)
        try:
            ottenuto = str(importo_positivo(valore))
        except ValueError as exc:
            ottenuto = str(exc)
        assert ottenuto == atteso, valore
