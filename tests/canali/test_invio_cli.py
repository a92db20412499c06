"""``corrispondenza invia`` from the command line: the --json report and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from corrispondenza.stato import StatoLettera
from tests.conftest import Ufficio

pytestmark = pytest.mark.integration


def test_invia_json_e_secondo_invio_contemporaneo_rifiutato(ufficio: Ufficio, cli) -> None:
    comando = [
        sys.executable,
        "-m",
        "corrispondenza",
        "--config",
        str(ufficio.config),
        "invia",
        str(ufficio.lotto),
    ]
    ufficio.modifica_config(
        lambda d: d["canali"]["pec"].__setitem__("messaggi_al_minuto", 120)
    )  # one each 0.5 s
    primo = subprocess.Popen(comando, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            if any(
                x.stato in (StatoLettera.IN_INVIO, StatoLettera.INVIATA)
                for x in ufficio.lettere(canale="pec")
            ):
                break
            time.sleep(0.1)
        codice, uscita, errore = cli("--config", str(ufficio.config), "invia", str(ufficio.lotto), "--json")
        assert codice == 4 and "Un altro invio è in corso" in errore
    finally:
        _, errore_primo = primo.communicate(timeout=120)
    assert primo.returncode == 0, errore_primo
    codice, uscita, _ = cli("--config", str(ufficio.config), "invia", str(ufficio.lotto), "--json")
    dati = json.loads(uscita)
    assert codice == 0 and dati["completo"] and dati["stato"] == "inviata" and dati["inviate"] == {}
    assert set(dati) >= {
        "lotto",
        "gia_inviate",
        "trattenute",
        "fallite",
        "da_ritentare",
        "incerte",
        "risolte",
    }
