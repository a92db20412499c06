"""``corrispondenza importa`` as a clerk runs it: exit codes, Italian messages, the ``--json`` shape.

Runs in-process through ``cli.main`` on a workspace made by ``init`` (SQLite inside it); one
test goes through the installed executable. The database is queried before and after, never
assumed unchanged.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from corrispondenza.cli import main
from corrispondenza.store.tabelle import Base

ROSSI = "RSSMRA85T10A562S"
DANGELO = "DNGNCL90A01H501C"
SOCIETA = "09123450372"
ANAGRAFE = (
    "codice_fiscale;tipo;cognome;nome;ragione_sociale\r\n"
    f"{DANGELO};fisica;D'Angelo;Niccolò;\r\n"
    f"{SOCIETA};giuridica;;;Società & C.\r\n"
)
CREDITI = "id_credito;tipo;struttura;codice_fiscale;data_documento;importo\n"
ERRATI = (
    CREDITI
    + f"C-1;a;TICKET;{DANGELO};01/02/2025;12,50\n"
    + f"C-2;a;TICKET;{DANGELO};01/02/2025;12,345\n"
    + f"C-3;a;ECONOMATO;{DANGELO};31/02/2025;10\n"
    + f"C-4;a;TICKET;{ROSSI};01/02/2025;10\n"
)


@pytest.fixture
def ufficio(spazio: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace, with a wide terminal (rich would wrap the table) and a known operator."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("CORRISPONDENZA_OPERATORE", "prova")
    monkeypatch.delenv("CORRISPONDENZA_CONFIG", raising=False)
    return spazio


def esegui(ufficio: Path, capsys: pytest.CaptureFixture[str], *argomenti: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as uscita:
        main(["--config", str(ufficio / "config.yaml"), *argomenti])
    catturato = capsys.readouterr()
    return int(uscita.value.code or 0), catturato.out, catturato.err


def scrivi(ufficio: Path, nome: str, testo: str | bytes, encoding: str = "utf-8") -> str:
    percorso = ufficio / nome
    if isinstance(testo, bytes):
        percorso.write_bytes(testo)
    else:
        percorso.write_text(testo, encoding=encoding, newline="")
    return str(percorso)


def fotografia(ufficio: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the workspace's database."""
    engine = create_engine(f"sqlite:///{ufficio / 'corrispondenza.db'}")
    try:
        with engine.connect() as c:
            return {
                t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def righe(ufficio: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(ufficio / "corrispondenza.db")) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def con_anagrafe(ufficio: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    codice, _, errori = esegui(
        ufficio, capsys, "importa", "soggetti", scrivi(ufficio, "anagrafe.csv", ANAGRAFE)
    )
    assert codice == 0, errori
    return ufficio


# --- exit 0 --------------------------------------------------------------------------------


def test_importazione_riuscita_esce_con_zero_e_riepiloga(ufficio, capsys):
    file = scrivi(ufficio, "anagrafe.csv", ANAGRAFE, encoding="cp1252")

    codice, out, err = esegui(ufficio, capsys, "importa", "soggetti", file)

    assert (codice, err) == (0, "")
    assert (
        "anagrafe.csv: importazione n. 1 completata (nuovi 2, aggiornati 0, invariati 0, scartati 0)" in out
    )
    soggetti = fotografia(ufficio)["soggetti"]
    assert {r[3:6] for r in soggetti} == {("D'Angelo", "Niccolò", None), (None, None, "Società & C.")}


def test_reimportare_lo_stesso_file_esce_con_zero_e_dice_che_non_cambia_nulla(con_anagrafe, capsys):
    prima = fotografia(con_anagrafe)

    codice, out, err = esegui(con_anagrafe, capsys, "importa", "soggetti", str(con_anagrafe / "anagrafe.csv"))

    assert (codice, err) == (0, "")
    assert (
        "anagrafe.csv: nessuna modifica, i dati sono già presenti (nuovi 0, aggiornati 0, invariati 2" in out
    )
    assert fotografia(con_anagrafe) == prima


def test_json_su_successo_e_su_reimportazione(con_anagrafe, capsys):
    file = scrivi(con_anagrafe, "crediti.csv", CREDITI + f"C-1;a;TICKET;{DANGELO};01/02/2025;12,50\n")

    primo = esegui(con_anagrafe, capsys, "importa", "crediti", file, "--json")
    secondo = esegui(con_anagrafe, capsys, "importa", "crediti", file, "--json")

    assert (primo[0], json.loads(primo[1]), primo[2]) == (
        0,
        {"nuovi": 1, "aggiornati": 0, "invariati": 0, "scartati": 0, "errori": []},
        "",
    )
    assert (secondo[0], json.loads(secondo[1])) == (
        0,
        {"nuovi": 0, "aggiornati": 0, "invariati": 1, "scartati": 0, "errori": []},
    )


def test_colonne_rinominate_in_config_yaml(con_anagrafe, capsys):
    config = con_anagrafe / "config.yaml"
    testo = config.read_text(encoding="utf-8")
    assert "importazione:\n  colonne: {}\n" in testo
    config.write_text(
        testo.replace(
            "importazione:\n  colonne: {}\n",
            'importazione:\n  colonne:\n    crediti: {id_credito: "ID PRATICA", importo: "IMPORTO DOVUTO"}\n',
        ),
        encoding="utf-8",
    )
    rinominato = "ID PRATICA;tipo;struttura;codice_fiscale;data_documento;IMPORTO DOVUTO\n"
    buono = scrivi(con_anagrafe, "pratiche.csv", rinominato + f"P-1;a;TICKET;{DANGELO};01/02/2025;99,90\n")
    errato = scrivi(
        con_anagrafe, "pratiche_errate.csv", rinominato + f"P-2;a;TICKET;{DANGELO};01/02/2025;-3\n"
    )

    codice, out, _ = esegui(con_anagrafe, capsys, "importa", "crediti", buono)
    assert (codice, "nuovi 1" in out) == (0, True)
    assert righe(con_anagrafe, "select id_esterno, importo from crediti") == [("P-1", 9990)]  # cents

    codice, out, _ = esegui(con_anagrafe, capsys, "importa", "crediti", errato, "--json")
    assert codice == 3
    assert json.loads(out)["errori"] == [
        {
            "riga": 2,
            "colonna": "IMPORTO DOVUTO",
            "valore": "-3",
            "motivo": "l'importo deve essere maggiore di zero",
        }
    ]


# --- exit 3: rejected, nothing written ------------------------------------------------------


def test_file_con_errori_esce_con_tre_li_elenca_tutti_e_non_scrive_nulla(con_anagrafe, capsys):
    prima = fotografia(con_anagrafe)

    codice, out, err = esegui(
        con_anagrafe, capsys, "importa", "crediti", scrivi(con_anagrafe, "c.csv", ERRATI)
    )

    assert (codice, out) == (3, "")
    assert "c.csv: 4 errori in 3 righe." in err
    for frammento in (
        "ha più di due decimali",
        "12,345",
        "data inesistente",
        "31/02/2025",
        "struttura sconosciuta: quelle in config.yaml sono BILANCIO, LEGALE, TICKET",
        "ECONOMATO",
        "soggetto non presente in archivio: importare prima i soggetti",
        "Nessuna modifica al database. Correggere il file, oppure usare --solo-validi.",
    ):
        assert frammento in err
    assert fotografia(con_anagrafe) == prima


def test_json_su_rifiuto_ha_la_forma_documentata(con_anagrafe, capsys):
    prima = fotografia(con_anagrafe)

    codice, out, err = esegui(
        con_anagrafe, capsys, "importa", "crediti", scrivi(con_anagrafe, "c.csv", ERRATI), "--json"
    )

    assert (codice, err) == (3, "")
    assert json.loads(out) == {
        "nuovi": 0,
        "aggiornati": 0,
        "invariati": 0,
        "scartati": 3,
        "errori": [
            {"riga": 3, "colonna": "importo", "valore": "12,345", "motivo": "ha più di due decimali"},
            {"riga": 4, "colonna": "data_documento", "valore": "31/02/2025", "motivo": "data inesistente"},
            {
                "riga": 4,
                "colonna": "struttura",
                "valore": "ECONOMATO",
                "motivo": "struttura sconosciuta: quelle in config.yaml sono BILANCIO, LEGALE, TICKET",
            },
            {
                "riga": 5,
                "colonna": "codice_fiscale",
                "valore": ROSSI,
                "motivo": "soggetto non presente in archivio: importare prima i soggetti",
            },
        ],
    }
    assert fotografia(con_anagrafe) == prima


ILLEGGIBILI = [
    pytest.param("vuoto.csv", b"", "il file è vuoto", id="vuoto"),
    pytest.param(
        "solo_intestazione.csv",
        CREDITI.encode(),
        "il file contiene solo l'intestazione: nessuna riga di dati",
        id="solo-intestazione",
    ),
    pytest.param(
        "pipe.csv",
        CREDITI.replace(";", "|").encode() + f"C-1|a|TICKET|{DANGELO}|01/02/2025|10\n".encode(),
        "il separatore non è riconosciuto (usare ; oppure ,)",
        id="separatore-pipe",
    ),
    pytest.param("binario.csv", bytes(range(256)) * 4, "il file contiene dati binari", id="binario"),
]


@pytest.mark.parametrize(("nome", "contenuto", "motivo"), ILLEGGIBILI)
def test_file_illeggibile_esce_con_tre_e_spiega_in_italiano(con_anagrafe, capsys, nome, contenuto, motivo):
    prima = fotografia(con_anagrafe)

    codice, out, err = esegui(
        con_anagrafe, capsys, "importa", "crediti", scrivi(con_anagrafe, nome, contenuto)
    )

    assert (codice, out) == (3, "")
    assert err.startswith(f"Errore: Il file {nome} non può essere importato:")
    assert motivo in err
    assert fotografia(con_anagrafe) == prima


def test_file_inesistente_esce_con_tre(ufficio, capsys):
    codice, _, err = esegui(ufficio, capsys, "importa", "crediti", str(ufficio / "manca.csv"))

    assert codice == 3
    assert "manca.csv: file non trovato" in err


def test_json_anche_quando_il_file_e_illeggibile(ufficio, capsys):
    codice, out, _ = esegui(
        ufficio, capsys, "importa", "crediti", scrivi(ufficio, "vuoto.csv", b""), "--json"
    )

    assert codice == 3
    assert json.loads(out)["errori"][0]["motivo"] == "il file è vuoto"


def test_tipo_di_importazione_sconosciuto_esce_con_due(ufficio, capsys):
    codice, _, err = esegui(ufficio, capsys, "importa", "fatture", scrivi(ufficio, "f.csv", CREDITI))

    assert codice == 2
    assert "tipo sconosciuto «fatture»" in err


# --- exit 4: --solo-validi -----------------------------------------------------------------


def test_solo_validi_scrive_le_righe_corrette_ed_esce_con_quattro(con_anagrafe, capsys):
    file = scrivi(con_anagrafe, "c.csv", ERRATI)

    codice, out, _ = esegui(con_anagrafe, capsys, "importa", "crediti", file, "--solo-validi", "--json")

    assert codice == 4
    esito = json.loads(out)
    assert (esito["nuovi"], esito["scartati"]) == (1, 3)
    assert [(e["riga"], e["colonna"]) for e in esito["errori"]] == [
        (3, "importo"),
        (4, "data_documento"),
        (4, "struttura"),
        (5, "codice_fiscale"),
    ]
    assert righe(con_anagrafe, "select id_esterno from crediti") == [("C-1",)]


def test_solo_validi_riepiloga_scritte_e_scartate(con_anagrafe, capsys):
    codice, out, err = esegui(
        con_anagrafe, capsys, "importa", "crediti", scrivi(con_anagrafe, "c.csv", ERRATI), "--solo-validi"
    )

    assert codice == 4
    assert "c.csv: importazione n. 2 completata (nuovi 1, aggiornati 0, invariati 0, scartati 3)" in out
    assert "ha più di due decimali" in err
    assert "Nessuna modifica" not in err


def test_solo_validi_senza_righe_valide_esce_con_tre(con_anagrafe, capsys):
    prima = fotografia(con_anagrafe)
    file = scrivi(con_anagrafe, "c.csv", CREDITI + f"C-9;a;TICKET;{DANGELO};01/02/2025;0\n")

    codice, _, err = esegui(con_anagrafe, capsys, "importa", "crediti", file, "--solo-validi")

    assert codice == 3
    assert "Nessuna modifica al database: nessuna riga valida da importare." in err
    assert fotografia(con_anagrafe) == prima


def test_solo_validi_con_righe_valide_gia_presenti_esce_con_quattro(con_anagrafe, capsys):
    """The valid rows were imported last time: nothing new, the bad ones still discarded."""
    file = scrivi(con_anagrafe, "c.csv", ERRATI)
    assert esegui(con_anagrafe, capsys, "importa", "crediti", file, "--solo-validi")[0] == 4
    prima = fotografia(con_anagrafe)

    codice, out, err = esegui(con_anagrafe, capsys, "importa", "crediti", file, "--solo-validi")

    assert codice == 4
    assert (
        "nessuna modifica, i dati sono già presenti (nuovi 0, aggiornati 0, invariati 1, scartati 3)" in out
    )
    assert "ha più di due decimali" in err
    assert fotografia(con_anagrafe) == prima


# --- the installed command -----------------------------------------------------------------


def test_comando_installato_restituisce_i_codici_di_uscita(ufficio):
    eseguibile = Path(sys.executable).parent / "corrispondenza"
    anagrafe = scrivi(ufficio, "anagrafe.csv", ANAGRAFE, encoding="cp1252")
    errati = scrivi(ufficio, "c.csv", ERRATI)

    def lancia(*argomenti: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(eseguibile), "--config", str(ufficio / "config.yaml"), "importa", *argomenti],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    riuscita = lancia("soggetti", anagrafe, "--json")
    rifiutata = lancia("crediti", errati, "--json")

    assert (riuscita.returncode, json.loads(riuscita.stdout)["nuovi"]) == (0, 2), riuscita.stderr
    assert (rifiutata.returncode, json.loads(rifiutata.stdout)["scartati"]) == (3, 3), rifiutata.stderr
