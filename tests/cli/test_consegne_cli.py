"""``corrispondenza consegne FILE`` as a clerk runs it: exit codes, messages, ``--json``, renamed columns.

In-process through ``cli.main`` on a workspace made by ``init`` (SQLite inside it); the letters
of a lotto already sent are written directly in the workspace's database.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from corrispondenza import orologio
from corrispondenza.cli import main
from corrispondenza.store.tabelle import Base, Credito, Lettera, LetteraCredito, Lotto

DANGELO = "DNGNCL90A01H501C"
OGGI = date(2026, 11, 23)


def esegui(ufficio: Path, capsys: pytest.CaptureFixture[str], *argomenti: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as uscita:
        main(["--config", str(ufficio / "config.yaml"), *argomenti])
    catturato = capsys.readouterr()
    return int(uscita.value.code or 0), catturato.out, catturato.err


def scrivi(ufficio: Path, nome: str, testo: str) -> str:
    percorso = ufficio / nome
    percorso.write_text(testo, encoding="utf-8", newline="")
    return str(percorso)


def fotografia(ufficio: Path) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(f"sqlite:///{ufficio / 'corrispondenza.db'}")
    try:
        with engine.connect() as c:
            return {
                t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def ufficio(spazio: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A workspace with one debtor, two credits and two raccomandate sent on 2026-10-05 (ids 1, 2)."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("CORRISPONDENZA_OPERATORE", "prova")
    monkeypatch.delenv("CORRISPONDENZA_CONFIG", raising=False)
    monkeypatch.setattr(orologio, "oggi", lambda: OGGI)
    anagrafe = f"codice_fiscale;tipo;cognome;nome\n{DANGELO};fisica;D'Angelo;Niccolò\n"
    crediti = (
        "id_credito;tipo;struttura;codice_fiscale;data_documento;importo\n"
        f"C-1;a;TICKET;{DANGELO};01/02/2025;50,00\nC-2;a;TICKET;{DANGELO};01/03/2025;60,00\n"
    )
    assert esegui(spazio, capsys, "importa", "soggetti", scrivi(spazio, "a.csv", anagrafe))[0] == 0
    assert esegui(spazio, capsys, "importa", "crediti", scrivi(spazio, "c.csv", crediti))[0] == 0
    engine = create_engine(f"sqlite:///{spazio / 'corrispondenza.db'}")
    with Session(engine) as s, s.begin():
        lotto = Lotto(
            data=date(2026, 10, 1),
            stato="inviata",
            creato_il=datetime(2026, 10, 1, tzinfo=UTC),
            creato_da="x",
        )
        s.add(lotto)
        s.flush()
        for credito in s.scalars(select(Credito).order_by(Credito.id)).all():
            lettera = Lettera(
                origine="lotto",
                tipo="sollecito",
                canale="raccomandata_ar",
                destinatario_id=credito.soggetto_id,
                data_invio=date(2026, 10, 5),
                stato="inviata",
                lotto_id=lotto.id,
                struttura="TICKET",
            )
            s.add(lettera)
            s.flush()
            s.add(LetteraCredito(lettera_id=lettera.id, credito_id=credito.id))
    engine.dispose()
    return spazio


def esiti(ufficio: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(ufficio / "corrispondenza.db")) as db:
        return db.execute(
            "select id, esito, data_consegna, numero_raccomandata, riscontro from lettere order by id"
        ).fetchall()


CARTOLINE = (
    "lettera;raccomandata;esito;data;motivo\n"
    "REC-2026-000001;614600000001;consegnata;10/10/2026;\n"
    "2;;non_consegnata;12/10/2026;destinatario sconosciuto\n"
)


def test_consegne_registra_e_la_seconda_volta_non_cambia_nulla(ufficio, capsys):
    file = scrivi(ufficio, "cartoline.csv", CARTOLINE)

    codice, out, err = esegui(ufficio, capsys, "consegne", file)
    assert (codice, err) == (0, "")
    assert (
        "cartoline.csv: importazione n. 3 completata (nuovi 2, aggiornati 0, invariati 0, scartati 0)" in out
    )
    assert esiti(ufficio) == [
        (1, "consegnata", "2026-10-10", "614600000001", "consegnata"),
        (2, "mancata_consegna", None, None, "errore_consegna"),
    ]

    prima = fotografia(ufficio)
    codice, out, err = esegui(ufficio, capsys, "consegne", file, "--json")
    assert (codice, json.loads(out), err) == (
        0,
        {"nuovi": 0, "aggiornati": 0, "invariati": 2, "scartati": 0, "errori": []},
        "",
    )
    assert fotografia(ufficio) == prima
    codice, out, _ = esegui(ufficio, capsys, "importa", "consegne", file)  # the same import
    assert (codice, "nessuna modifica, i dati sono già presenti" in out) == (0, True)


def test_consegne_con_errori_esce_con_3_e_non_scrive_nulla(ufficio, capsys):
    file = scrivi(
        ufficio,
        "errate.csv",
        "lettera;esito;data\n1;consegnata;10/10/2026\n7;consegnata;10/10/2026\n2;firmata;01/01/2027\n",
    )
    prima = fotografia(ufficio)

    codice, out, err = esegui(ufficio, capsys, "consegne", file, "--json")
    assert codice == 3
    assert json.loads(out) == {
        "nuovi": 0,
        "aggiornati": 0,
        "invariati": 0,
        "scartati": 2,
        "errori": [
            {"riga": 3, "colonna": "lettera", "valore": "7", "motivo": "lettera non presente in archivio"},
            {
                "riga": 4,
                "colonna": "data",
                "valore": "01/01/2027",
                "motivo": "data non plausibile: deve essere tra il 01/01/1900 e oggi (23/11/2026)",
            },
            {
                "riga": 4,
                "colonna": "esito",
                "valore": "firmata",
                "motivo": "valore non ammesso (ammessi: consegnata, compiuta_giacenza, non_consegnata)",
            },
        ],
    }
    codice, out, err = esegui(ufficio, capsys, "consegne", file)
    assert codice == 3
    assert "errate.csv: 3 errori in 2 righe." in err and "Nessuna modifica al database" in err
    assert fotografia(ufficio) == prima
    assert esiti(ufficio)[0][1] is None

    codice, out, err = esegui(ufficio, capsys, "consegne", file, "--solo-validi")
    assert codice == 4
    assert esiti(ufficio)[0][1:] == ("consegnata", "2026-10-10", None, "consegnata")


def test_colonne_delle_consegne_rinominate_in_config_yaml(ufficio, capsys):
    config = ufficio / "config.yaml"
    testo = config.read_text(encoding="utf-8")
    config.write_text(
        testo.replace(
            "importazione:\n  colonne: {}\n",
            "importazione:\n  colonne:\n"
            '    consegne: {raccomandata: "NUMERO AR", esito: "ESITO", data: "DATA AR"}\n',
        ),
        encoding="utf-8",
    )
    numero = scrivi(
        ufficio, "n.csv", "lettera;NUMERO AR;ESITO;DATA AR\n1;614600000001;consegnata;10/10/2026\n"
    )
    assert esegui(ufficio, capsys, "consegne", numero)[0] == 0
    file = scrivi(ufficio, "ar.csv", "NUMERO AR;ESITO;DATA AR\n614600000001;consegnata;10/10/2026\n")
    codice, out, err = esegui(ufficio, capsys, "consegne", file, "--json")
    assert (codice, json.loads(out)["invariati"], err) == (0, 1, "")

    config.write_text(
        testo.replace(
            "importazione:\n  colonne: {}\n", "importazione:\n  colonne:\n    consegne: {numero: X}\n"
        ),
        encoding="utf-8",
    )
    codice, _, err = esegui(ufficio, capsys, "consegne", file)
    assert codice == 3
    assert "consegne: colonne standard sconosciute numero" in err
