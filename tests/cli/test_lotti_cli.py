"""The monthly cycle from the command line: pianifica, lotto mostra/approva, segnalazioni."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

SOGGETTI = (
    "codice_fiscale;tipo;cognome;nome;ragione_sociale;indirizzo;cap;comune;fallimento_il\n"
    "RSSMRA85T10A562S;fisica;Rossi;Mario;;Via Roma 1;40121;Bologna;\n"
    "09123450372;giuridica;;;Ditta & C. S.r.l.;Via Emilia 1;40133;Bologna;01/06/2026\n"
)
CREDITI = (
    "id_credito;tipo;struttura;codice_fiscale;data_documento;data_prestazione;importo\n"
    "T-1;a;TICKET;RSSMRA85T10A562S;20/06/2026;15/06/2026;30,00\n"
    "B-1;b;BILANCIO;09123450372;10/03/2026;01/03/2026;1.500,00\n"
)


@pytest.fixture
def ufficio(spazio: Path, cli) -> Path:
    config = spazio / "config.yaml"
    for tipo, testo in (("soggetti", SOGGETTI), ("crediti", CREDITI)):
        (spazio / f"{tipo}.csv").write_text(testo, encoding="utf-8")
        assert cli("--config", str(config), "importa", tipo, str(spazio / f"{tipo}.csv"))[0] == 0
    return config


def test_pianifica_json_nel_formato_documentato(ufficio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(ufficio), "pianifica", "--data", "2026-11-30", "--json")
    assert codice == 0
    dati = json.loads(uscita)
    assert set(dati) >= {"lotto", "data", "lettere", "esclusi", "segnalazioni"}
    (lettera,) = dati["lettere"]
    assert set(lettera) >= {"id", "tipo", "canale", "destinatario", "crediti", "importi", "motivi"}
    assert lettera["motivi"][0] == {
        "articolo": "5.4",
        "testo": "avviso di pagamento: moroso, nella finestra di 3–12 mesi",
    }
    assert dati["esclusi"][0]["articolo"] == "6.8"
    assert dati["segnalazioni"][0]["tipo"] == "fallimento"


def test_pianifica_a_video_poi_approvazione(ufficio: Path, cli) -> None:
    codice, uscita, _ = cli("--config", str(ufficio), "pianifica", "--data", "2026-11-30")
    assert codice == 0
    assert "Lotto 1 del 30/11/2026" in uscita and "30,00 €" in uscita and "Art. 6.8" in uscita
    codice, uscita, _ = cli("--config", str(ufficio), "lotto", "approva", "1")
    assert (codice, uscita.strip()) == (0, "Lotto 1 approvato: lettere e importi congelati (1 lettere).")
    codice, _, errore = cli("--config", str(ufficio), "lotto", "approva", "1")
    assert codice == 3 and "non può passare dallo stato «approvata»" in errore


def test_data_non_valida_errore_di_uso(ufficio: Path, cli) -> None:
    assert cli("--config", str(ufficio), "pianifica", "--data", "30/11/2026")[0] == 2


def test_lotto_inesistente(ufficio: Path, cli) -> None:
    codice, _, errore = cli("--config", str(ufficio), "lotto", "mostra", "99")
    assert codice == 3 and "Nessun lotto con numero 99" in errore


def test_segnalazioni_per_il_servizio_legale_csv_e_xlsx(ufficio: Path, cli, tmp_path: Path) -> None:
    cli("--config", str(ufficio), "pianifica", "--data", "2026-11-30")
    codice, uscita, _ = cli("--config", str(ufficio), "segnalazioni", "--tipo", "fallimento")
    assert codice == 0
    (riga,) = list(csv.DictReader(uscita.splitlines(), delimiter=";"))
    assert (riga["codice_fiscale"], riga["id_credito"], riga["totale"]) == ("09123450372", "B-1", "1500,00")
    assert riga["debitore"] == "Ditta & C. S.r.l."
    assert riga["ufficio"] == "LEGALE"  # config: destinatari_segnalazioni.fallimento
    file = tmp_path / "legale.xlsx"
    assert (
        cli(
            "--config",
            str(ufficio),
            "segnalazioni",
            "--tipo",
            "fallimento",
            "--formato",
            "xlsx",
            "-o",
            str(file),
        )[0]
        == 0
    )
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    foglio = load_workbook(file).active
    intestazione = [c.value for c in foglio[1]]
    assert foglio.cell(2, intestazione.index("totale") + 1).value == 1500


def test_segnalazioni_su_un_file_esistente_diventa_riservato(ufficio: Path, cli, tmp_path: Path) -> None:
    """An existing, world-readable file is rewritten 0600: it now holds personal data."""
    cli("--config", str(ufficio), "pianifica", "--data", "2026-11-30")
    file = tmp_path / "vecchio.csv"
    file.write_text("vecchio\n", encoding="utf-8")
    file.chmod(0o644)
    assert cli("--config", str(ufficio), "segnalazioni", "-o", str(file))[0] == 0
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and "vecchio" not in file.read_text(encoding="utf-8")
