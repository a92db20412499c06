"""User stories: start a workspace with init; try everything with demo, twice."""

from __future__ import annotations

import io
import json
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from corrispondenza.config import carica_config
from corrispondenza.demo import GIORNO_DEL_CAMPIONE, esegui_demo
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.tabelle import Credito, Pagamento


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


def test_demo_rilanciata_un_altro_giorno_reimporta_gli_stessi_dati(tmp_path: Path) -> None:
    """``make demo`` is idempotent on any day: the sample is generated for the first run's day,
    so a later run imports the very same files (before, the amounts drawn for the new day were
    refused against the payments already recorded, and the demo stopped)."""
    cartella = tmp_path / "prova"
    config = tmp_path / "nessuna.yaml"
    primo = Console(file=io.StringIO(), width=200)
    esegui_demo(primo, config, cartella, n_crediti=40, seme=3, oggi=date(2026, 11, 30))
    assert (cartella / "dati" / GIORNO_DEL_CAMPIONE).read_text(encoding="utf-8") == "2026-11-30\n"
    dopo = Console(file=io.StringIO(), width=200)
    esegui_demo(dopo, config, cartella, n_crediti=40, seme=3, oggi=date(2026, 12, 2))
    uscita = dopo.file.getvalue()
    assert uscita.count("nessuna modifica, i dati sono già presenti") == 5, uscita
    assert "Pianificazione del 02/12/2026" in uscita or "Lotto" in uscita  # planned on the real day


def test_demo_su_un_archivio_di_un_altra_versione_dice_cosa_fare(tmp_path: Path, cli) -> None:
    """Sample data that the existing demo archive refuses: an Italian error, exit 3, and the
    way out (remove the folder), not an "unexpected error"."""
    cartella = tmp_path / "prova"
    senza_config = str(tmp_path / "nessuna.yaml")
    assert cli("--config", senza_config, "demo", str(cartella), "--crediti", "40")[0] == 0
    engine = apri(carica_config(cartella / "config.yaml").database_url)
    try:  # an archive the sample no longer fits: a credit already paid beyond its amount
        with sessione(engine) as s:
            credito = s.scalars(select(Credito).order_by(Credito.id)).first()
            s.add(
                Pagamento(
                    credito_id=credito.id,
                    data=date(2026, 1, 2),
                    importo=credito.importo + Decimal("100.00"),
                    riferimento="versione precedente",
                )
            )
    finally:
        engine.dispose()
    codice, _, errore = cli("--config", senza_config, "demo", str(cartella), "--crediti", "40")
    assert codice == 3 and "versione precedente della demo" in errore and "make clean" in errore
