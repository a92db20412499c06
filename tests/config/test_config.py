"""config.yaml: defaults from the Regolamento, every error with its YAML path, all at once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from corrispondenza.cli import main
from corrispondenza.config import carica_config
from corrispondenza.errors import ConfigError
from corrispondenza.workspace import config_iniziale

REPO = Path(__file__).resolve().parents[2]


def scrivi(tmp_path: Path, dati: dict) -> Path:
    percorso = tmp_path / "config.yaml"
    percorso.write_text(yaml.safe_dump(dati, allow_unicode=True), encoding="utf-8")
    return percorso


def base() -> dict:
    return yaml.safe_load(config_iniziale())


def test_la_config_di_init_e_quella_demo_sono_valide() -> None:
    for percorso in (REPO / "config.yaml", REPO / "corrispondenza" / "workspace" / "config.yaml"):
        carica_config(percorso)


def test_init_nomina_le_strutture_del_regolamento(tmp_path: Path) -> None:
    config = carica_config(scrivi(tmp_path, base())).config
    strutture = config.ente.strutture
    assert strutture["TICKET"].denominazione == "Ufficio Recupero Ticket"
    assert strutture["BILANCIO"].denominazione == "Servizio Bilancio"
    assert strutture["LEGALE"].denominazione == "Servizio Legale"


def test_soglie_predefinite_del_regolamento(tmp_path: Path) -> None:
    """Art. 4 c. 2, 5 c. 4, 6 c. 5–7, 7 c. 2 e 5, 8 c. 5 e 7, 3 c. 3, 1 c. 3."""
    dati = base()
    del dati["regole"]
    regole = carica_config(scrivi(tmp_path, dati)).config.regole
    assert regole.termine_pagamento_giorni == 30
    assert (regole.avviso.mesi_minimi, regole.avviso.mesi_massimi) == (3, 12)
    assert regole.avviso.importo_minimo == Decimal("0.00")
    assert (regole.sollecito.mesi_minimi, regole.sollecito.mesi_massimi) == (3, 12)
    assert regole.sollecito.termine_giorni == 15
    assert regole.soglia_ruolo == Decimal("10.33")
    assert regole.ruolo.mesi_dopo_notifica == 3
    assert (regole.rateizzazione.rate_massime, regole.rateizzazione.rata_minima) == (24, Decimal("50.00"))
    assert regole.rateizzazione.rate_senza_interessi == 12
    assert (regole.controlli_sanitari.giorni, regole.controlli_sanitari.maggiorazione) == (60, Decimal(30))
    assert regole.prescrizione.anni_ordinaria == 10
    assert regole.prescrizione.anni_per_tipo == {"e": 5}


def test_tassi_legali_letti_come_decimali_esatti(tmp_path: Path) -> None:
    config = carica_config(scrivi(tmp_path, base())).config
    legali = config.interessi.legali
    assert legali[2020] == Decimal("0.05") and legali[2021] == Decimal("0.01")
    assert legali[2023] == Decimal("5") and legali[2026] == Decimal("1.6")
    assert all(isinstance(v, Decimal) for v in legali.values())
    assert config.interessi.tesoriere[0].tasso == Decimal("4.00")


def test_tutti_gli_errori_insieme_con_il_percorso_yaml(tmp_path: Path) -> None:
    dati = base()
    dati["regole"]["avviso"]["mesi_minimi"] = "tre"
    dati["regole"]["sollecito"]["termine_giorni"] = 0
    dati["regole"]["soglia_ruolo"] = "10.333"
    dati["ente"]["iban"] = "IT00X0000000000000000000000"
    dati["ente"]["codice_fiscale"] = "09123450371"
    dati["regole"]["avviso"]["mesi_minimo"] = 2
    del dati["ente"]["denominazione"]
    dati["interessi"]["legali"].pop(2019)
    with pytest.raises(ConfigError) as info:
        carica_config(scrivi(tmp_path, dati))
    problemi = {p.percorso: p.motivo for p in info.value.problemi}
    assert problemi["regole.avviso.mesi_minimi"] == "atteso un numero intero"
    assert problemi["regole.sollecito.termine_giorni"] == "deve essere almeno 1"
    assert problemi["regole.soglia_ruolo"] == "al massimo due decimali"
    assert "IBAN non valido" in problemi["ente.iban"]
    assert "cifra di controllo" in problemi["ente.codice_fiscale"]
    assert "campo sconosciuto" in problemi["regole.avviso.mesi_minimo"]
    assert problemi["ente.denominazione"] == "campo obbligatorio mancante"
    assert "2019" in problemi["interessi.legali"]
    assert len(problemi) == 8


def test_password_nel_file_rifiutata(tmp_path: Path) -> None:
    dati = base()
    dati["canali"]["pec"]["smtp"]["password"] = "segreta"
    dati["canali"]["pec"]["imap"]["password_env"] = "la mia password"
    with pytest.raises(ConfigError) as info:
        carica_config(scrivi(tmp_path, dati))
    problemi = {p.percorso: p for p in info.value.problemi}
    assert "non scrivere password" in problemi["canali.pec.smtp.password"].motivo
    assert problemi["canali.pec.smtp.password"].valore is None  # never echoed back
    assert "NOME di una variabile" in problemi["canali.pec.imap.password_env"].motivo


def test_struttura_destinataria_sconosciuta(tmp_path: Path) -> None:
    dati = base()
    dati["ente"]["destinatari_segnalazioni"]["fallimento"] = "AVVOCATURA"
    with pytest.raises(ConfigError) as info:
        carica_config(scrivi(tmp_path, dati))
    assert "AVVOCATURA" in info.value.problemi[0].motivo


def test_mappa_colonne_sconosciute(tmp_path: Path) -> None:
    dati = base()
    dati["importazione"]["colonne"] = {"crediti": {"importi": "IMPORTO"}, "fatture": {}}
    with pytest.raises(ConfigError) as info:
        carica_config(scrivi(tmp_path, dati))
    motivo = info.value.problemi[0].motivo
    assert "importi" in motivo and "fatture" in motivo


def test_yaml_malformato_indica_riga_e_colonna(tmp_path: Path) -> None:
    percorso = tmp_path / "config.yaml"
    percorso.write_text("ente:\n  denominazione: [aperta\nregole: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"riga \d+, colonna \d+"):
        carica_config(percorso)


def test_percorsi_relativi_alla_cartella_della_config(tmp_path: Path) -> None:
    caricata = carica_config(scrivi(tmp_path, base()))
    assert caricata.database_url == f"sqlite:///{tmp_path.resolve() / 'corrispondenza.db'}"
    assert caricata.outbox == tmp_path.resolve() / "outbox"


def test_cli_config_non_valida_esce_con_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dati = base()
    dati["regole"]["soglia_ruolo"] = -1
    dati["spese"]["raccomandata_ar"] = "nove"
    percorso = scrivi(tmp_path, dati)
    with pytest.raises(SystemExit) as uscita:
        main(["--config", str(percorso), "stato", "--riepilogo"])
    assert uscita.value.code == 3
    errore = capsys.readouterr().err
    assert "regole.soglia_ruolo" in errore and "spese.raccomandata_ar" in errore
    assert "2 errori" in errore
