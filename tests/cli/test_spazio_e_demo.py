"""User stories: start a workspace with init; try everything with demo, twice."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from corrispondenza.config import carica_config


def test_init_crea_lo_spazio_di_lavoro(tmp_path: Path, cli) -> None:
    cartella = tmp_path / "asl"
    codice, uscita, _ = cli("init", str(cartella))
    assert codice == 0 and "config.yaml" in uscita
    assert (cartella / "modelli").is_dir()
    assert {p.name for p in (cartella / "modelli").iterdir()} == {
        "avviso.docx",
        "sollecito.docx",
        "rateizzazione_accolta.docx",
        "rateizzazione_respinta.docx",
        "eredi.docx",
        "messaggi.yaml",
    }
    assert stat.S_IMODE((cartella / "outbox").stat().st_mode) == 0o700
    assert set(carica_config(cartella / "config.yaml").config.ente.strutture) >= {
        "TICKET",
        "BILANCIO",
        "LEGALE",
    }


def test_init_non_sovrascrive_una_config(tmp_path: Path, cli) -> None:
    (tmp_path / "config.yaml").write_text("ente: {}\n", encoding="utf-8")
    codice, _, errore = cli("init", str(tmp_path))
    assert codice == 3 and "esiste già" in errore
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8") == "ente: {}\n"


def test_demo_importa_e_la_seconda_volta_non_cambia_nulla(tmp_path: Path, cli) -> None:
    cartella = tmp_path / "prova"
    senza_config = str(tmp_path / "nessuna.yaml")
    codice, uscita, _ = cli("--config", senza_config, "demo", str(cartella), "--crediti", "300")
    assert codice == 0
    assert "crediti.csv: importazione n. 3 completata (nuovi 300" in uscita
    assert stat.S_IMODE((cartella / "corrispondenza.db").stat().st_mode) == 0o600
    assert "Genero i PDF/A del lotto" in uscita and "Da stampare" in uscita
    assert "Invio il lotto" in uscita and "(inviata): inviate ora" in uscita  # through the sandbox
    assert "Il gestore di prova ha preso in carico" in uscita
    assert "Ricevute lette:" in uscita and "mancata consegna" in uscita  # receipts read back (issue 7)
    assert "per raccomandata A/R dove la PEC non è stata consegnata" in uscita  # Art. 6 c. 11 fallback
    codice, uscita, _ = cli("--config", senza_config, "demo", str(cartella), "--crediti", "300")
    assert codice == 0
    assert uscita.count("nessuna modifica, i dati sono già presenti") == 5
    assert "di oggi è già stato inviato" in uscita and "inviate ora nessuna" in uscita  # not sent twice
    assert "Genero i PDF/A" not in uscita and "Invio il lotto" not in uscita
    (lotto,) = [p for p in (cartella / "outbox").iterdir() if p.name.isdigit()]
    assert any((lotto / "lettere").iterdir())
    codice, uscita, _ = cli("--config", str(cartella / "config.yaml"), "stato", "--riepilogo", "--json")
    assert json.loads(uscita)["crediti"] == 300
