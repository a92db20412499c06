"""Reading import files: every shape an accounting export arrives in, and the files refused whole.

CSV in UTF-8 (with or without BOM) or Windows-1252, ``;`` or ``,``, comma decimals, Italian
and ISO dates; XLSX with real date and number cells; JSON with exact decimals. A file that
cannot be read honestly (empty, binary, formulas, wrong separator) is refused with an Italian
reason and leaves the store untouched.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from corrispondenza.importa.lettura import leggi_tabella
from corrispondenza.store.tabelle import Credito

ROSSI = "RSSMRA85T10A562S"
DANGELO = "DNGNCL90A01H501C"  # Niccolò D'Angelo, 01/01/1990, Roma
SOCIETA = "09123450372"
INTESTAZIONE_CREDITI = "id_credito;tipo;struttura;codice_fiscale;data_documento;importo"


def xlsx(*righe: list[object]) -> bytes:
    libro = Workbook()
    foglio = libro.active
    assert foglio is not None
    for riga in righe:
        foglio.append(riga)
    dati = io.BytesIO()
    libro.save(dati)
    return dati.getvalue()


def crediti_di(banco, *id_esterni: str) -> dict[str, Credito]:
    with banco.engine.connect() as c:
        righe = c.execute(select(Credito).where(Credito.id_esterno.in_(id_esterni))).all()
    return {r.id_esterno: r for r in righe}


# --- encodings and separators -------------------------------------------------------------


def test_csv_windows_1252_con_accenti_conserva_nomi_e_ragioni_sociali(banco_sqlite):
    testo = (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;indirizzo;cap;comune;provincia\r\n"
        f"{DANGELO};fisica;D'Angelo;Niccolò;;Via dell'Università 3;40126;Forlì;FC\r\n"
        f"{SOCIETA};giuridica;;;Società & C. – Attività sanitarie;Piazza Santo Stefano 1;40125;Bologna;BO\r\n"
    )
    percorso = banco_sqlite.file("anagrafe_cp1252.csv", testo, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        percorso.read_bytes().decode("utf-8")  # really a Windows-1252 file, not UTF-8

    esito = banco_sqlite.importa_ok("soggetti", percorso)

    assert (esito.nuovi, esito.scartati) == (2, 0)
    assert banco_sqlite.righe(
        "select codice_fiscale, cognome, nome, ragione_sociale, indirizzo, comune from soggetti order by id"
    ) == [
        (DANGELO, "D'Angelo", "Niccolò", None, "Via dell'Università 3", "Forlì"),
        (SOCIETA, None, None, "Società & C. – Attività sanitarie", "Piazza Santo Stefano 1", "Bologna"),
    ]
    assert banco_sqlite.importa("soggetti", percorso).invariati == 2


def test_csv_utf8_con_bom_riconosce_la_prima_colonna(banco_sqlite):
    testo = f"codice_fiscale;tipo;cognome;nome\n{DANGELO};fisica;D'Angelo;Niccolò\n"
    percorso = banco_sqlite.file("bom.csv", "\ufeff" + testo)
    assert percorso.read_bytes().startswith(b"\xef\xbb\xbf")

    esito = banco_sqlite.importa_ok("soggetti", percorso)

    assert esito.nuovi == 1
    assert banco_sqlite.righe("select codice_fiscale, nome from soggetti") == [(DANGELO, "Niccolò")]


def test_testo_unicode_di_excel_utf16_separato_da_tabulazioni(banco_sqlite):
    testo = f"codice_fiscale\ttipo\tcognome\tnome\r\n{DANGELO}\tfisica\tD'Angelo\tNiccolò\r\n"

    banco_sqlite.importa_ok("soggetti", "anagrafe.txt", testo.encode("utf-16"))

    assert banco_sqlite.righe("select cognome, nome from soggetti") == [("D'Angelo", "Niccolò")]


def test_csv_separato_da_virgole_con_decimali_tra_virgolette(banco_sqlite):
    banco_sqlite.base(crediti=False)
    testo = (
        "id_credito,tipo,struttura,codice_fiscale,data_documento,importo,descrizione\n"
        f'V-1,a,TICKET,{ROSSI},01/02/2025,"12,50","Visita, controllo"\n'
        f'V-2,a,TICKET,{ROSSI},01/02/2025,"1.234,56",\n'
        f"V-3,a,TICKET,{ROSSI},01/02/2025,7,\n"
    )

    esito = banco_sqlite.importa_ok("crediti", "virgole.csv", testo)

    assert esito.nuovi == 3
    crediti = crediti_di(banco_sqlite, "V-1", "V-2", "V-3")
    assert crediti["V-1"].importo == Decimal("12.50")
    assert crediti["V-1"].descrizione == "Visita, controllo"
    assert crediti["V-2"].importo == Decimal("1234.56")
    assert crediti["V-3"].importo == Decimal("7.00")


def test_date_iso_e_italiane_indicano_lo_stesso_giorno(banco_sqlite):
    banco_sqlite.base(crediti=False)
    testo = (
        f"{INTESTAZIONE_CREDITI};scadenza\n"
        f"D-1;a;TICKET;{ROSSI};2025-02-01;10;2025-03-03\n"
        f"D-2;a;TICKET;{ROSSI};01/02/2025;10;03/03/2025\n"
        f"D-3;a;TICKET;{ROSSI};01-02-2025;10;03.03.2025\n"
        f"D-4;a;TICKET;{ROSSI};1/2/2025;10;3/3/2025\n"
    )

    banco_sqlite.importa_ok("crediti", "date.csv", testo)

    assert banco_sqlite.righe("select distinct data_documento, scadenza from crediti") in (
        [("2025-02-01", "2025-03-03")],  # SQLite hands dates back as text through a raw query
        [(date(2025, 2, 1), date(2025, 3, 3))],
    )
    crediti = crediti_di(banco_sqlite, "D-1", "D-4")
    assert crediti["D-4"].data_documento == crediti["D-1"].data_documento == date(2025, 2, 1)


def test_intestazione_senza_distinzione_di_maiuscole_e_spazi(banco_sqlite):
    banco_sqlite.base(crediti=False)
    testo = (
        " ID_Credito ;TIPO;Struttura;Codice_Fiscale;Data_Documento;IMPORTO\n"
        f"M-1;A;ticket;{ROSSI.lower()};01/02/2025;5\n"
    )

    banco_sqlite.importa_ok("crediti", "maiuscole.csv", testo)

    credito = crediti_di(banco_sqlite, "M-1")["M-1"]
    assert (credito.tipo, credito.struttura, credito.importo) == ("a", "TICKET", Decimal("5.00"))


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_con_cella_data_e_importo_numerico(banco_sqlite):
    banco_sqlite.base(crediti=False)
    dati = xlsx(
        ["id_credito", "tipo", "struttura", "codice_fiscale", "data_documento", "importo"],
        ["X-1", "a", "TICKET", ROSSI, date(2025, 3, 1), 12.5],
        [1001, "a", "BILANCIO", ROSSI, datetime(2025, 3, 2, 0, 0), 7],
        ["X-3", "a", "TICKET", ROSSI, "15/03/2025", "1.234,56"],
    )

    esito = banco_sqlite.importa_ok("crediti", "crediti.xlsx", dati)

    assert esito.nuovi == 3
    crediti = crediti_di(banco_sqlite, "X-1", "1001", "X-3")
    assert crediti["X-1"].importo == Decimal("12.50")
    assert str(crediti["X-1"].importo) == "12.50"
    assert crediti["X-1"].data_documento == date(2025, 3, 1)
    assert crediti["1001"].importo == Decimal("7.00")  # a whole number cell, not "7.0"
    assert crediti["1001"].data_documento == date(2025, 3, 2)
    assert crediti["X-3"].importo == Decimal("1234.56")
    assert banco_sqlite.importa("crediti", "crediti.xlsx").invariati == 3


def test_xlsx_righe_numerate_come_nel_foglio_anche_dopo_righe_vuote(banco_sqlite):
    banco_sqlite.base(crediti=False)
    dati = xlsx(
        ["id_credito", "tipo", "struttura", "codice_fiscale", "data_documento", "importo"],
        ["X-1", "a", "TICKET", ROSSI, date(2025, 3, 1), 12.5],
        [None, None, None, None, None, None],
        ["X-2", "a", "TICKET", ROSSI, date(2025, 3, 1), 12.345],
    )

    esito = banco_sqlite.importa("crediti", "buchi.xlsx", dati)

    banco_sqlite.verifica_errori(esito.errori, [(4, "importo", "più di due decimali", "12.345")])


def test_xlsx_con_formule_rifiutato_cella_per_cella(banco_sqlite):
    banco_sqlite.base()
    prima = banco_sqlite.fotografia()
    dati = xlsx(
        ["id_credito", "tipo", "struttura", "codice_fiscale", "data_documento", "importo"],
        ["F-1", "a", "TICKET", ROSSI, date(2025, 3, 1), 10],
        ["F-2", "a", "TICKET", ROSSI, date(2025, 3, 1), "=F2*2"],
        ["F-3", "a", "TICKET", ROSSI, "=TODAY()", "=F2+1"],
        ["F-4", "a", "TICKET", "RSSMRA85T10A562X", date(2025, 3, 1), 5],
    )

    esito = banco_sqlite.importa("crediti", "formule.xlsx", dati)

    banco_sqlite.verifica_errori(
        esito.errori,
        [
            (3, "importo", "la cella contiene una formula", "=F2*2"),
            (4, "data_documento", "la cella contiene una formula", "=TODAY()"),
            (4, "importo", "la cella contiene una formula", "=F2+1"),
            (5, "codice_fiscale", "carattere di controllo errato", "RSSMRA85T10A562X"),
        ],
    )
    assert "Incolla speciale" in esito.errori[0].motivo
    assert (esito.scartati, esito.scritto) == (3, False)
    assert banco_sqlite.fotografia() == prima


def test_xlsx_formula_in_colonna_non_importata_ignorata(banco_sqlite):
    """A working column of the clerk's own (a note, a check sum) does not block the import."""
    banco_sqlite.base()
    dati = xlsx(
        ["id_credito", "tipo", "struttura", "codice_fiscale", "data_documento", "importo", "controllo"],
        ["F-1", "a", "TICKET", ROSSI, date(2025, 3, 1), 10, "=F2*2"],
    )

    esito = banco_sqlite.importa_ok("crediti", "con_controllo.xlsx", dati)

    assert esito.nuovi == 1


# --- JSON --------------------------------------------------------------------------------


def test_json_numeri_letti_come_decimal_mai_float(banco_sqlite, tmp_path):
    banco_sqlite.base(crediti=False)
    righe = [
        {"id_credito": "J-1", "tipo": "a", "struttura": "TICKET", "codice_fiscale": ROSSI, "importo": 12.1},
        {"id_credito": "J-2", "tipo": "a", "struttura": "TICKET", "codice_fiscale": ROSSI, "importo": 0.1},
        {"id_credito": "J-3", "tipo": "a", "struttura": "TICKET", "codice_fiscale": ROSSI, "importo": 7},
    ]
    for r in righe:
        r["data_documento"] = "2025-02-01"
    percorso = banco_sqlite.file("crediti.json", json.dumps(righe))

    tabella = leggi_tabella(percorso)
    importi = [valori[tabella.intestazione.index("importo")] for _, valori in tabella.righe]
    assert importi == [Decimal("12.1"), Decimal("0.1"), 7]
    assert not any(isinstance(v, float) for v in importi)

    banco_sqlite.importa_ok("crediti", percorso)
    crediti = crediti_di(banco_sqlite, "J-1", "J-2", "J-3")
    assert [crediti[k].importo for k in ("J-1", "J-2", "J-3")] == [
        Decimal("12.10"),
        Decimal("0.10"),
        Decimal("7.00"),
    ]


def test_json_elemento_i_e_la_riga_i_piu_2_anche_dentro_righe(banco_sqlite):
    banco_sqlite.base(crediti=False)
    base = {"tipo": "a", "struttura": "TICKET", "codice_fiscale": ROSSI, "data_documento": "01/02/2025"}
    dati = {
        "righe": [
            {**base, "id_credito": "J-1", "importo": 10},
            {**base, "id_credito": "J-2", "importo": 1.005},
            {**base, "id_credito": "J-3", "importo": None},
        ]
    }

    esito = banco_sqlite.importa("crediti", "crediti.json", json.dumps(dati))

    banco_sqlite.verifica_errori(
        esito.errori,
        [
            (3, "importo", "più di due decimali", "1.005"),
            (4, "importo", "valore obbligatorio mancante", ""),
        ],
    )


# --- files refused as a whole --------------------------------------------------------------

_CAMPI_OBBLIGATORI = ["id_credito", "tipo", "struttura", "codice_fiscale", "importo"]
_BINARIO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8

MALFORMATI = [
    pytest.param("vuoto.csv", b"", [(None, None, "il file è vuoto")], id="vuoto"),
    pytest.param("spazi.csv", b"  \r\n\r\n\t\n", [(None, None, "il file è vuoto")], id="solo-spazi"),
    pytest.param("bom.csv", b"\xef\xbb\xbf\r\n", [(None, None, "il file è vuoto")], id="solo-bom"),
    pytest.param(
        "separatori.csv", b";;;;;\r\n;;;;;\r\n", [(None, None, "il file è vuoto")], id="solo-separatori"
    ),
    pytest.param("vuoto.json", b"[]", [(None, None, "il file è vuoto")], id="json-elenco-vuoto"),
    pytest.param("vuoto.xlsx", xlsx(), [(None, None, "il file è vuoto")], id="xlsx-vuoto"),
    pytest.param(
        "intestazione.csv",
        f"{INTESTAZIONE_CREDITI}\r\n\r\n".encode(),
        [(1, None, "il file contiene solo l'intestazione: nessuna riga di dati")],
        id="solo-intestazione-csv",
    ),
    pytest.param(
        "intestazione.xlsx",
        xlsx(INTESTAZIONE_CREDITI.split(";")),
        [(1, None, "il file contiene solo l'intestazione: nessuna riga di dati")],
        id="solo-intestazione-xlsx",
    ),
    pytest.param(
        "pipe.csv",
        f"{INTESTAZIONE_CREDITI.replace(';', '|')}\nP-1|a|TICKET|{ROSSI}|01/02/2025|10\n".encode(),
        [(1, c, "il separatore non è riconosciuto (usare ; oppure ,)") for c in _CAMPI_OBBLIGATORI],
        id="separatore-pipe",
    ),
    pytest.param(
        "virgolette.csv",
        f'{INTESTAZIONE_CREDITI};descrizione\nC-1;a;TICKET;{ROSSI};01/02/2025;10;"Visita\n'
        f"C-2;a;TICKET;{ROSSI};01/02/2025;10;Visita\nC-3;a;TICKET;{ROSSI};01/02/2025;10;Visita\n".encode(),
        [(2, None, "virgolette non chiuse o fuori posto")],
        id="virgolette-non-chiuse",
    ),
    pytest.param(
        "virgolette_grande.csv",
        f'{INTESTAZIONE_CREDITI};descrizione\nC-1;a;TICKET;{ROSSI};01/02/2025;10;"Visita\n'.encode()
        + b"".join(f"C-{i};a;TICKET;{ROSSI};01/02/2025;10;Visita\n".encode() for i in range(5000)),
        [(2, None, "virgolette non chiuse o fuori posto")],
        id="virgolette-non-chiuse-in-file-grande",
    ),
    pytest.param("dati.csv", _BINARIO, [(None, None, "il file contiene dati binari")], id="binario-con-nul"),
    pytest.param(
        "dati.csv",
        b"\x80\x02\x03\xe9\x04\x05\x06\x07\x08" * 50,
        [(None, None, "il file contiene dati binari")],
        id="binario-senza-nul",
    ),
    pytest.param(
        "dati.csv",
        b"id\x81\x8d\x8f\x90;tipo\n",
        [(None, None, "codifica dei caratteri non riconosciuta (attesa UTF-8 o Windows-1252)")],
        id="codifica-sconosciuta",
    ),
    pytest.param(
        "rotto.xlsx",
        b"PK\x03\x04" + bytes(range(256)),
        [(None, None, "file Excel non leggibile")],
        id="xlsx-troncato",
    ),
    pytest.param(
        "testo.xlsx",
        f"{INTESTAZIONE_CREDITI}\n".encode(),
        [(None, None, "il file ha estensione Excel ma non è un file .xlsx valido")],
        id="csv-con-estensione-xlsx",
    ),
    pytest.param(
        "rotto.json", b'[{"id_credito": "A"', [(None, None, "JSON non valido alla riga 1")], id="json-rotto"
    ),
    pytest.param(
        "oggetto.json",
        b'{"id_credito": "A"}',
        [(None, None, "atteso un elenco di oggetti JSON")],
        id="json-non-elenco",
    ),
    pytest.param(
        "colonne.csv",
        f"id_credito;tipo;codice_fiscale;data_documento\nC-1;a;{ROSSI};01/02/2025\n".encode(),
        [(1, "struttura", "colonna obbligatoria mancante"), (1, "importo", "colonna obbligatoria mancante")],
        id="colonne-mancanti",
    ),
    pytest.param(
        "doppie.csv",
        f"{INTESTAZIONE_CREDITI};Importo;tipo\nC-1;a;TICKET;{ROSSI};01/02/2025;10;20;b\n".encode(),
        [(1, c, "colonna ripetuta nell'intestazione") for c in ("Importo", "importo", "tipo")],
        id="colonne-ripetute-anche-con-maiuscole-diverse",
    ),
]


@pytest.mark.parametrize(("nome", "contenuto", "attesi"), MALFORMATI)
def test_file_malformato_rifiutato_senza_toccare_il_database(banco_sqlite, nome, contenuto, attesi):
    banco_sqlite.base()
    prima = banco_sqlite.fotografia()

    problemi = banco_sqlite.illeggibile("crediti", nome, contenuto)

    assert [(p.riga, p.colonna) for p in problemi] == [(r, c) for r, c, _ in attesi], problemi
    for p, (_, _, frammento) in zip(problemi, attesi, strict=True):
        assert frammento in p.motivo
        assert p.file == nome
    assert banco_sqlite.fotografia() == prima


def test_zip_che_non_e_un_foglio_excel_rifiutato(banco_sqlite):
    dati = io.BytesIO()
    with zipfile.ZipFile(dati, "w") as archivio:
        archivio.writestr("leggimi.txt", "non sono un foglio di calcolo")

    (problema,) = banco_sqlite.illeggibile("crediti", "archivio.xlsx", dati.getvalue())

    assert "file Excel non leggibile" in problema.motivo


def test_file_inesistente_rifiutato(banco_sqlite, tmp_path: Path):
    (problema,) = banco_sqlite.illeggibile("crediti", tmp_path / "manca.csv")

    assert problema.motivo == "file non trovato"
    assert "manca.csv" in str(problema)


# --- 10 MB ---------------------------------------------------------------------------------

DIECI_MB = 10 * 1024 * 1024
_DEBITORI = [ROSSI, "BNCLCU15C15A944I", "VRDNNA70B50A944U", SOCIETA]
_DESCRIZIONE = "Compartecipazione alla spesa per prestazioni di specialistica ambulatoriale, " * 2


def crediti_da_10_mb(errati: dict[int, dict[str, str]] | None = None) -> tuple[str, int, int]:
    """A crediti CSV of at least 10 MB; ``errati`` maps a 0-based data row to overridden cells.

    Returns the text, the number of data rows and the sum of the amounts in cents.
    """
    errati = errati or {}
    intestazione = (
        "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;importo;descrizione"
    )
    righe = [intestazione]
    dimensione = len(intestazione) + 1
    totale = 0
    i = 0
    while dimensione < DIECI_MB:
        centesimi = 100 + (i * 37) % 99_900
        campi = {
            "id": f"G-{i:07d}",
            "struttura": ("TICKET", "BILANCIO")[i % 2],
            "cf": _DEBITORI[i % len(_DEBITORI)],
            "data": f"{1 + i % 28:02d}/{1 + i % 12:02d}/2025",
            "importo": f"{centesimi // 100},{centesimi % 100:02d}",
        }
        campi.update(errati.get(i, {}))
        riga = (
            f"{campi['id']};a;{campi['struttura']};{campi['cf']};DOC/{i:07d};{campi['data']};"
            f'"{campi["importo"]}";{_DESCRIZIONE}{i}'
        )
        righe.append(riga)
        dimensione += len(riga.encode()) + 1
        totale += centesimi
        i += 1
    return "\n".join(righe) + "\n", i, totale


def test_csv_valido_da_10_mb_importato_per_intero(banco_sqlite):
    banco_sqlite.base(crediti=False)
    testo, n, centesimi = crediti_da_10_mb()
    percorso = banco_sqlite.file("grande.csv", testo)
    assert percorso.stat().st_size >= DIECI_MB

    esito = banco_sqlite.importa_ok("crediti", percorso)

    assert (esito.nuovi, esito.scartati, esito.scritto) == (n, 0, True)
    assert banco_sqlite.righe("select count(*), sum(importo) from crediti") == [(n, centesimi)]
    assert banco_sqlite.righe("select count(*) from importazioni where tipo = 'crediti'") == [(1,)]


def test_csv_da_10_mb_con_poche_righe_errate_riporta_esattamente_quelle(banco_sqlite):
    banco_sqlite.base(crediti=False)
    prima = banco_sqlite.fotografia()
    testo, n, _ = crediti_da_10_mb(
        {
            0: {"importo": "12,345"},
            20_000: {"struttura": "ECONOMATO", "data": "31/02/2025"},
            30_000: {"id": "G-0030001", "struttura": "BILANCIO"},  # the next row's id: both reported
        }
    )
    ultima = n - 1
    testo = testo.replace(f"{_DEBITORI[ultima % 4]};DOC/{ultima:07d}", f"RSSMRA85T10A562Z;DOC/{ultima:07d}")

    esito = banco_sqlite.importa("crediti", "grande_errato.csv", testo)

    banco_sqlite.verifica_errori(
        esito.errori,
        [
            (2, "importo", "ha più di due decimali", "12,345"),
            (20_002, "data_documento", "data inesistente", "31/02/2025"),
            (20_002, "struttura", "struttura sconosciuta", "ECONOMATO"),
            (30_002, "id_credito", "compare di nuovo alla riga 30003", "G-0030001"),
            (30_003, "id_credito", "compare già alla riga 30002", "G-0030001"),
            (n + 1, "codice_fiscale", "carattere di controllo errato", "RSSMRA85T10A562Z"),
        ],
    )
    assert (esito.scartati, esito.nuovi, esito.scritto) == (5, 0, False)
    assert banco_sqlite.fotografia() == prima
