"""``corrispondenza ricevute analizza``: what a person and a script see, and the exit codes."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
MSGID = "<lettera-7@corrispondenza.asl.test>"
DESTINATARIO = "mario.rossi@pec.esempio.test"
INVIO = Invio(
    "recupero.crediti@pec.asl.test",
    ((DESTINATARIO, "certificato"), ("ufficio@esempio.test", "esterno")),
    "Sollecito",
    MSGID,
    "opec.7@pec.sandbox.test",
)
ORIGINALE = b"From: recupero.crediti@pec.asl.test\r\nMessage-ID: " + MSGID.encode() + b"\r\n\r\nciao\r\n"


@pytest.fixture(autouse=True)
def _senza_config_dall_ambiente(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORRISPONDENZA_CONFIG", raising=False)


def _file(cartella: Path, grezzo: bytes, nome: str = "ricevuta.eml") -> str:
    percorso = cartella / nome
    percorso.write_bytes(grezzo)
    return str(percorso)


def _errore_consegna(firmatario: Firmatario, **altri) -> bytes:
    return ricevute.errore_consegna(
        firmatario,
        INVIO,
        destinatario=DESTINATARIO,
        data=QUANDO,
        errore_esteso="5.1.1 - sconosciuto",
        **altri,
    )


def test_analizza_json_con_ca(cli, tmp_path: Path, firmatario: Firmatario, certificati_sandbox) -> None:
    percorso = _file(tmp_path, _errore_consegna(firmatario, errore="altro"))
    nessuna = str(tmp_path / "nessuna.yaml")
    codice, out, err = cli(
        "--config",
        nessuna,
        "ricevute",
        "analizza",
        percorso,
        "--json",
        "--ca",
        str(certificati_sandbox.ca_cert),
    )
    assert codice == 0, err
    assert json.loads(out) == {
        "ricevuta": True,
        "classe": "ricevuta",
        "tipo": "errore-consegna",
        "msgid": MSGID,
        "identificativo": "opec.7@pec.sandbox.test",
        "data": "2026-11-23T11:00:00+01:00",
        "consegna": DESTINATARIO,
        "destinatari": [
            {"indirizzo": DESTINATARIO, "tipo": "certificato"},
            {"indirizzo": "ufficio@esempio.test", "tipo": "esterno"},
        ],
        "errore": "altro",
        "errore_esteso": "5.1.1 - sconosciuto",
        "firma": "valida",
        "motivo": "firma valida, verificata con ca.pem",
    }


def test_analizza_per_una_persona(cli, tmp_path: Path, firmatario: Firmatario) -> None:
    percorso = _file(tmp_path, _errore_consegna(firmatario))
    codice, out, _ = cli("--config", str(tmp_path / "nessuna.yaml"), "ricevute", "analizza", percorso)
    assert codice == 0
    for atteso in (
        "errore-consegna",
        "23/11/2026 11:00:00 (+0100)",
        "5.1.1",
        "ufficio@esempio.test (esterno)",
    ):
        assert atteso in out
    assert "Esito finale" in out and "non_verificabile" in out


def test_analizza_usa_la_ca_della_configurazione(
    cli, spazio: Path, firmatario: Firmatario, certificati_sandbox
) -> None:
    shutil.copy(certificati_sandbox.ca_cert, spazio / "ca-ricevute.pem")
    config = spazio / "config.yaml"
    dati = yaml.safe_load(config.read_text(encoding="utf-8"))
    dati["canali"]["pec"]["ca_ricevute"] = "ca-ricevute.pem"
    config.write_text(yaml.safe_dump(dati, allow_unicode=True), encoding="utf-8")
    percorso = _file(
        spazio, ricevute.accettazione(firmatario, INVIO, data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA)
    )
    codice, out, err = cli("--config", str(config), "ricevute", "analizza", percorso, "--json")
    assert codice == 0, err
    risultato = json.loads(out)
    assert (risultato["tipo"], risultato["firma"]) == ("accettazione", "non_valida")
    assert "digest failure" in risultato["motivo"]


def test_analizza_una_busta_non_e_una_ricevuta(cli, tmp_path: Path, firmatario: Firmatario) -> None:
    percorso = _file(tmp_path, ricevute.busta_di_trasporto(firmatario, INVIO, ORIGINALE, data=QUANDO))
    codice, out, _ = cli("--config", str(tmp_path / "x.yaml"), "ricevute", "analizza", percorso, "--json")
    assert codice == 0
    risultato = json.loads(out)
    assert (risultato["ricevuta"], risultato["classe"], risultato["tipo"]) == (False, "busta", None)


def test_analizza_posta_ordinaria_esce_con_zero(cli, tmp_path: Path) -> None:
    percorso = _file(tmp_path, b"From: a@b.test\r\nSubject: CONSEGNA: prova\r\n\r\nciao\r\n")
    codice, out, _ = cli("--config", str(tmp_path / "x.yaml"), "ricevute", "analizza", percorso, "--json")
    assert codice == 0 and json.loads(out)["classe"] == "altro"


def test_analizza_illeggibile_esce_con_tre_e_il_motivo(cli, tmp_path: Path, firmatario: Firmatario) -> None:
    percorso = _file(
        tmp_path, ricevute.accettazione(firmatario, INVIO, data=QUANDO, difetto=Difetto.SENZA_DATICERT)
    )
    codice, out, err = cli("--config", str(tmp_path / "x.yaml"), "ricevute", "analizza", percorso, "--json")
    assert codice == 3
    assert json.loads(out)["classe"] == "illeggibile"
    assert "Messaggio illeggibile: daticert.xml mancante" in err
    casuale = _file(tmp_path, bytes(range(256)) * 4, "casuale.bin")
    codice, _, err = cli("--config", str(tmp_path / "x.yaml"), "ricevute", "analizza", casuale)
    assert codice == 3 and "illeggibile" in err


def test_analizza_file_mancante(cli, tmp_path: Path) -> None:
    codice, _, err = cli("ricevute", "analizza", str(tmp_path / "manca.eml"))
    assert codice == 3 and "impossibile leggere" in err


def test_il_gruppo_ricevute_e_registrato(cli) -> None:
    codice, out, _ = cli("ricevute", "--help")
    assert codice == 0 and "analizza" in out and "--segui" in out
