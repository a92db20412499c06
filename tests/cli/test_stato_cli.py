"""User stories of look-up: a clerk finds a debtor or a credit, or the totals, in Italian or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SOGGETTI = """\
codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;indirizzo;cap;comune;provincia;\
email;pec;deceduto_il;fallimento_il
RSSMRA85T10A562S;fisica;Rossi;Mario;;10/12/1985;Via Roma 1;40124;Bologna;BO;mario@example.it;;;
09123450372;giuridica;;;Rossi & Figli S.r.l.;;Via Po 2;40100;Bologna;BO;;rossi@pec.example.it;;01/02/2025
"""
CREDITI = """\
id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;data_prestazione;\
scadenza;importo;descrizione
T-1;a;TICKET;RSSMRA85T10A562S;NA/2026/1;10/01/2026;05/01/2026;;12,50;Ticket
T-2;a;TICKET;RSSMRA85T10A562S;NA/2026/2;10/02/2026;05/02/2026;;30,00;Ticket
X-9;b;BILANCIO;09123450372;FT/2026/9;2026-02-10;;;1.234,56;Vendita beni
X-9;b;LEGALE;09123450372;FT/2026/10;2026-02-10;;;100,00;Spese di giudizio
"""
PAGAMENTI = """id_credito;data;importo;riferimento
T-1;01/03/2026;12,50;PAGOPA-1
T-2;01/03/2026;10,00;PAGOPA-2
"""


@pytest.fixture
def archivio(spazio: Path, cli) -> Path:
    config = spazio / "config.yaml"
    for tipo, testo in (("soggetti", SOGGETTI), ("crediti", CREDITI), ("pagamenti", PAGAMENTI)):
        file = spazio / f"{tipo}.csv"
        file.write_text(testo, encoding="utf-8")
        codice, _, errore = cli("--config", str(config), "importa", tipo, str(file))
        assert codice == 0, errore
    return config


def test_scheda_del_debitore_con_residui(archivio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(archivio), "stato", "RSSMRA85T10A562S", "--json")
    assert codice == 0
    dati = json.loads(uscita)
    assert dati["soggetto"]["nominativo"] == "Rossi Mario"
    assert dati["soggetto"]["residenza"] == "Via Roma 1, 40124 Bologna (BO)"
    crediti = {c["id_credito"]: c for c in dati["crediti"]}
    assert (crediti["T-1"]["residuo"], crediti["T-1"]["stato"]) == ("0.00", "pagato")
    assert (crediti["T-2"]["pagato"], crediti["T-2"]["residuo"]) == ("10.00", "20.00")
    assert dati["totali"] == {"importo": "42.50", "pagato": "22.50", "residuo": "20.00"}
    cosa = [e["cosa"] for e in dati["giornale"]]
    assert "importazione" in cosa and "credito.stato" in cosa and cosa.count("pagamento.registrato") == 2


def test_scheda_a_video_in_italiano(archivio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(archivio), "stato", "rssmra85t10a562s")
    assert codice == 0
    assert "Rossi Mario" in uscita and "20,00 €" in uscita and "pagamento 10,00 € del 01/03/2026" in uscita


def test_credito_cercato_per_id(archivio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(archivio), "stato", "T-2", "--json")
    assert codice == 0
    dati = json.loads(uscita)
    assert [c["id_credito"] for c in dati["crediti"]] == ["T-2"]
    assert dati["soggetto"]["codice_fiscale"] == "RSSMRA85T10A562S"


def test_id_in_piu_strutture_chiede_struttura(archivio: Path, cli) -> None:
    """An id unique per struttura only: the same debtor's X-9 in two offices is shown together."""
    codice, uscita, _ = cli("--config", str(archivio), "stato", "X-9", "--json")
    assert codice == 0
    assert sorted(c["struttura"] for c in json.loads(uscita)["crediti"]) == ["BILANCIO", "LEGALE"]
    codice, uscita, _ = cli("--config", str(archivio), "stato", "legale/X-9", "--json")
    assert [c["importo"] for c in json.loads(uscita)["crediti"]] == ["100.00"]


def test_chiave_sconosciuta_esce_con_3(archivio: Path, cli) -> None:
    codice, _, errore = cli("--config", str(archivio), "stato", "NESSUNO")
    assert codice == 3
    assert "Nessun debitore con codice fiscale «NESSUNO»" in errore


def test_riepilogo_per_tipo_fase_stato(archivio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(archivio), "stato", "--riepilogo", "--json")
    assert codice == 0
    dati = json.loads(uscita)
    assert (dati["soggetti"], dati["crediti"], dati["importo"], dati["residuo"]) == (
        2,
        4,
        "1377.06",
        "1354.56",
    )
    assert {v["tipo"]: v["crediti"] for v in dati["per_tipo"]} == {"a": 2, "b": 2}
    assert dati["per_stato"] == [
        {"stato": "aperto", "crediti": 3, "importo": "1364.56", "residuo": "1354.56"},
        {"stato": "pagato", "crediti": 1, "importo": "12.50", "residuo": "0.00"},
    ]
    assert dati["per_fase"][0]["fase"] == "rilevazione"


def test_stato_senza_argomenti_e_errore_di_uso(archivio: Path, cli) -> None:
    codice, _, _ = cli("--config", str(archivio), "stato")
    assert codice == 2


def test_config_mancante_spiega_cosa_fare(tmp_path: Path, cli) -> None:
    codice, _, errore = cli("--config", str(tmp_path / "manca.yaml"), "stato", "--riepilogo")
    assert codice == 3
    assert "corrispondenza init" in errore
