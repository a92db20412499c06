"""What a valid import does to the store: new rows, updates with their journal, state and phase.

Idempotency is checked against the whole store (every row of every table, ``eventi`` and
``importazioni`` included), not against the counters alone. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.store.tabelle import Credito, Evento, Importazione, Lettera, LetteraCredito, Soggetto

ROSSI = "RSSMRA85T10A562S"
BIANCHI_LUCA = "BNCLCU15C15A944I"
VERDI_GIUSEPPE = "VRDGPP40E20A944J"
VERDI_ANNA = "VRDNNA70B50A944U"
VERDI_PAOLO = "VRDPLA72L07A944X"

RELAZIONI = (
    "codice_fiscale;relazione;codice_fiscale_collegato;quota\n"
    f"{BIANCHI_LUCA};genitore;{ROSSI};\n"
    f"{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n"
    f"{VERDI_GIUSEPPE};erede;{VERDI_PAOLO};0,5\n"
)
PAGAMENTI = (
    "id_credito;data;importo;riferimento\n"
    "T-1;01/03/2025;60,00;R-1\n"
    "T-1;15/03/2025;40,00;R-2\n"
    "T-2;01/04/2025;10,00;R-3\n"
)
STORICO = (
    "id_credito;lettera;data_invio;canale;data_consegna;esito;id_lettera;destinatario\n"
    "T-1;avviso;01/04/2025;posta_ordinaria;;inviata;AV-100;\n"
    "T-2;avviso;01/04/2025;posta_ordinaria;;inviata;AV-100;\n"
    "T-2;sollecito;01/08/2025;raccomandata_ar;06/08/2025;consegnata;SO-200;\n"
    f"T-3;avviso;01/04/2025;posta_ordinaria;;inviata;AV-101;{ROSSI}\n"
)


def eventi(banco, cosa: str | None = None) -> list[dict[str, Any]]:
    with Session(banco.engine) as s:
        query = select(Evento).order_by(Evento.id)
        if cosa is not None:
            query = query.where(Evento.cosa == cosa)
        return [
            {
                "cosa": e.cosa,
                "entita": e.entita,
                "entita_id": e.entita_id,
                "dati": e.dati,
                "perche": e.perche,
                "importazione_id": e.importazione_id,
            }
            for e in s.scalars(query)
        ]


def id_soggetto(banco, cf: str) -> int:
    with Session(banco.engine) as s:
        return s.scalars(select(Soggetto.id).where(Soggetto.codice_fiscale == cf)).one()


def crediti(banco) -> dict[str, Credito]:
    with Session(banco.engine) as s:
        return {c.id_esterno: c for c in s.scalars(select(Credito))}


def tutto_importato(banco) -> None:
    banco.base()
    banco.importa_ok("relazioni", "relazioni.csv", RELAZIONI)
    banco.importa_ok("pagamenti", "pagamenti.csv", PAGAMENTI)
    banco.importa_ok("storico", "storico.csv", STORICO)


# --- idempotency ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tipo", "file", "invariati"),
    [
        ("soggetti", "anagrafe.csv", 6),
        ("relazioni", "relazioni.csv", 3),
        ("crediti", "crediti.csv", 5),
        ("pagamenti", "pagamenti.csv", 3),
        ("storico", "storico.csv", 3),  # four rows, three letters
    ],
)
def test_reimportare_lo_stesso_file_non_cambia_nulla(banco, tipo, file, invariati):
    tutto_importato(banco)
    prima = banco.fotografia()
    conteggi = banco.conta()

    esito = banco.importa_ok(tipo, file)

    assert (esito.nuovi, esito.aggiornati, esito.invariati, esito.scartati) == (0, 0, invariati, 0)
    assert (esito.scritto, esito.importazione_id) == (False, None)
    assert banco.conta() == conteggi
    assert banco.fotografia() == prima


def test_prima_importazione_registra_file_impronta_operatore_e_conteggi(banco):
    percorso = banco.file(
        "anagrafe.csv", "codice_fiscale;tipo;cognome;nome\n" + f"{ROSSI};fisica;Rossi;Mario\n"
    )

    esito = banco.importa_ok("soggetti", percorso)

    assert (esito.nuovi, esito.scritto) == (1, True)
    with Session(banco.engine) as s:
        importazione = s.scalars(select(Importazione)).one()
        soggetto = s.scalars(select(Soggetto)).one()
    assert importazione.id == esito.importazione_id == soggetto.importazione_id
    assert (importazione.tipo, importazione.file, importazione.operatore) == (
        "soggetti",
        "anagrafe.csv",
        "prova",
    )
    assert importazione.sha256 == hashlib.sha256(percorso.read_bytes()).hexdigest()
    assert (importazione.nuovi, importazione.aggiornati, importazione.invariati, importazione.scartati) == (
        1,
        0,
        0,
        0,
    )
    (evento,) = eventi(banco)
    assert (evento["cosa"], evento["entita"], evento["entita_id"]) == (
        "importazione",
        "importazione",
        importazione.id,
    )
    assert evento["dati"]["nuovi"] == 1
    assert evento["importazione_id"] == importazione.id


# --- updates -------------------------------------------------------------------------------


def test_indirizzo_cambiato_aggiorna_il_soggetto_e_lo_annota_nel_giornale(banco):
    banco.base(crediti=False)
    anagrafe = (banco.cartella / "anagrafe.csv").read_text()
    nuova = anagrafe.replace(
        f"{ROSSI};fisica;Rossi;Mario;;10/12/1985;;Via Roma 1;40121;Bologna;BO",
        f"{ROSSI};fisica;Rossi;Mario;;10/12/1985;;Via Nuova 9;40121;Bologna;BO",
    )
    assert nuova != anagrafe
    prima = banco.conta()

    esito = banco.importa_ok("soggetti", "anagrafe_dicembre.csv", nuova)

    assert (esito.nuovi, esito.aggiornati, esito.invariati, esito.scritto) == (0, 1, 5, True)
    assert banco.righe("select indirizzo from soggetti where codice_fiscale = :cf", cf=ROSSI) == [
        ("Via Nuova 9",)
    ]
    dopo = banco.conta()
    assert (dopo["soggetti"], dopo["importazioni"], dopo["eventi"]) == (
        prima["soggetti"],
        prima["importazioni"] + 1,
        prima["eventi"] + 2,  # the import itself and the one change
    )
    (aggiornato,) = eventi(banco, "soggetto.aggiornato")
    assert aggiornato == {
        "cosa": "soggetto.aggiornato",
        "entita": "soggetto",
        "entita_id": id_soggetto(banco, ROSSI),
        "dati": {"campi": {"indirizzo": ["Via Roma 1", "Via Nuova 9"]}},
        "perche": "dati anagrafici aggiornati dall'importazione",
        "importazione_id": esito.importazione_id,
    }
    assert banco.righe(
        "select aggiornati, invariati from importazioni where id = :i", i=esito.importazione_id
    ) == [(1, 5)]


def test_importo_rettificato_aggiorna_il_credito_e_lo_annota_nel_giornale(banco):
    banco.base()
    crediti_csv = (
        (banco.cartella / "crediti.csv").read_text().replace("F/1;01/02/2025;100,00", "F/1;01/02/2025;90,00")
    )

    esito = banco.importa_ok("crediti", "crediti_rettificati.csv", crediti_csv)

    assert (esito.nuovi, esito.aggiornati, esito.invariati) == (0, 1, 4)
    t1 = crediti(banco)["T-1"]
    assert (t1.importo, t1.stato, t1.fase) == (Decimal("90.00"), "aperto", "rilevazione")
    (rettifica,) = eventi(banco, "credito.rettificato")
    assert (rettifica["entita"], rettifica["entita_id"]) == ("credito", t1.id)
    assert rettifica["dati"] == {"campi": {"importo": ["100.00", "90.00"]}}


def test_crediti_nuovi_partono_aperti_nella_fase_di_rilevazione(banco):
    banco.base()

    tutti = crediti(banco)

    assert sorted(tutti) == ["B-1", "E-1", "T-1", "T-2", "T-3"]
    assert {(c.stato, c.fase) for c in tutti.values()} == {("aperto", "rilevazione")}
    assert tutti["B-1"].importo == Decimal("1234.56")
    assert tutti["B-1"].soggetto_id == id_soggetto(banco, "09123450372")


# --- payments ------------------------------------------------------------------------------


def test_pagamenti_pari_all_importo_rendono_il_credito_pagato(banco):
    banco.base()

    esito = banco.importa_ok("pagamenti", "pagamenti.csv", PAGAMENTI)

    assert esito.nuovi == 3
    stati = {k: c.stato for k, c in crediti(banco).items()}
    assert (stati["T-1"], stati["T-2"]) == ("pagato", "aperto")
    (cambio,) = eventi(banco, "credito.stato")
    assert (cambio["entita_id"], cambio["dati"]) == (
        crediti(banco)["T-1"].id,
        {"da": "aperto", "a": "pagato"},
    )
    assert cambio["perche"] == "pagamenti pari all'importo dovuto"
    registrati = eventi(banco, "pagamento.registrato")
    assert [e["dati"]["riferimento"] for e in registrati] == ["R-1", "R-2", "R-3"]
    assert registrati[0]["dati"] == {"data": "2025-03-01", "importo": "60.00", "riferimento": "R-1"}


def test_saldo_importato_dopo_un_acconto_rende_il_credito_pagato(banco):
    banco.base()
    banco.importa_ok(
        "pagamenti", "acconto.csv", "id_credito;data;importo;riferimento\nT-2;01/04/2025;10;R-3\n"
    )
    assert crediti(banco)["T-2"].stato == "aperto"

    banco.importa_ok(
        "pagamenti", "saldo.csv", "id_credito;data;importo;riferimento\nT-2;01/05/2025;40,25;R-4\n"
    )

    assert crediti(banco)["T-2"].stato == "pagato"
    assert len(eventi(banco, "credito.stato")) == 1


def test_pagamento_rettificato_riapre_il_credito_pagato(banco):
    banco.base()
    banco.importa_ok("pagamenti", "pagamenti.csv", PAGAMENTI)
    rettificati = PAGAMENTI.replace("T-1;15/03/2025;40,00;R-2", "T-1;15/03/2025;39,00;R-2")

    esito = banco.importa_ok("pagamenti", "pagamenti_rettificati.csv", rettificati)

    assert (esito.nuovi, esito.aggiornati, esito.invariati) == (0, 1, 2)
    assert crediti(banco)["T-1"].stato == "aperto"
    riaperto = eventi(banco, "credito.stato")[-1]
    assert riaperto["dati"] == {"da": "pagato", "a": "aperto"}
    assert "residuo 1,00 €" in riaperto["perche"]
    (rettifica,) = eventi(banco, "pagamento.rettificato")
    assert rettifica["dati"] == {"campi": {"importo": ["40.00", "39.00"]}}


def test_pagamento_corretto_al_ribasso_non_conta_due_volte(banco):
    """A corrected reference replaces the stored amount in the check against the amount due."""
    banco.base()
    banco.importa_ok("pagamenti", "marzo.csv", "id_credito;data;importo;riferimento\nT-1;01/03/2025;60;R-1\n")

    esito = banco.importa_ok(
        "pagamenti",
        "aprile.csv",
        "id_credito;data;importo;riferimento\nT-1;01/03/2025;59,99;R-1\nT-1;01/04/2025;40,01;R-2\n",
    )

    assert (esito.nuovi, esito.aggiornati) == (1, 1)
    assert crediti(banco)["T-1"].stato == "pagato"


def test_id_credito_uguale_in_due_strutture_si_distingue_con_la_colonna_struttura(banco):
    banco.base()
    banco.importa_ok(
        "crediti",
        "bilancio.csv",
        "id_credito;tipo;struttura;codice_fiscale;data_documento;importo\nT-1;b;BILANCIO;09123450372;01/02/2025;80\n",
    )

    ambiguo = banco.importa(
        "pagamenti", "ambiguo.csv", "id_credito;data;importo;riferimento\nT-1;01/03/2025;80;R-9\n"
    )
    banco.verifica_errori(
        ambiguo.errori,
        [
            (
                2,
                "id_credito",
                "id_credito presente in più strutture (BILANCIO, TICKET): aggiungere la colonna struttura",
                "T-1",
            )
        ],
    )

    banco.importa_ok(
        "pagamenti",
        "chiaro.csv",
        "id_credito;data;importo;riferimento;struttura\nT-1;01/03/2025;80;R-9;bilancio\n",
    )
    assert banco.righe(
        "select struttura, stato from crediti where id_esterno = 'T-1' order by struttura"
    ) == [
        ("BILANCIO", "pagato"),
        ("TICKET", "aperto"),
    ]


# --- relazioni -----------------------------------------------------------------------------


def test_genitore_di_un_minore_e_eredi_con_quote_fino_a_uno_accettati(banco):
    banco.base(crediti=False)

    esito = banco.importa_ok("relazioni", "relazioni.csv", RELAZIONI)

    assert esito.nuovi == 3
    righe = banco.righe(
        "select s.codice_fiscale, r.tipo, c.codice_fiscale, r.quota_numeratore, r.quota_denominatore "
        "from relazioni r join soggetti s on s.id = r.soggetto_id join soggetti c on c.id = r.collegato_id "
        "order by r.id"
    )
    assert righe == [
        (BIANCHI_LUCA, "genitore", ROSSI, None, None),
        (VERDI_GIUSEPPE, "erede", VERDI_ANNA, 1, 2),
        (VERDI_GIUSEPPE, "erede", VERDI_PAOLO, 1, 2),
    ]


def test_quota_ereditaria_corretta_aggiorna_la_relazione(banco):
    banco.base(crediti=False)
    banco.importa_ok("relazioni", "relazioni.csv", RELAZIONI)

    esito = banco.importa_ok("relazioni", "relazioni_corrette.csv", RELAZIONI.replace("1/2", "1/3"))

    assert (esito.nuovi, esito.aggiornati, esito.invariati) == (0, 1, 2)
    (evento,) = eventi(banco, "relazione.aggiornata")
    assert evento["dati"] == {"campi": {"quota_denominatore": ["2", "3"]}}
    assert evento["entita_id"] == id_soggetto(banco, VERDI_GIUSEPPE)


# --- storico -------------------------------------------------------------------------------


def lettere(banco) -> dict[str, dict[str, Any]]:
    with Session(banco.engine) as s:
        collegati: dict[int, set[str]] = {}
        for lettera_id, id_esterno in s.execute(
            select(LetteraCredito.lettera_id, Credito.id_esterno).join(Credito)
        ):
            collegati.setdefault(lettera_id, set()).add(id_esterno)
        return {
            lettera.id_esterno: {
                "tipo": lettera.tipo,
                "canale": lettera.canale,
                "esito": lettera.esito,
                "destinatario_id": lettera.destinatario_id,
                "crediti": collegati.get(lettera.id, set()),
            }
            for lettera in s.scalars(select(Lettera))
        }


def test_righe_dello_storico_con_stessa_id_lettera_formano_una_lettera_sola(banco):
    banco.base()
    banco.importa_ok("relazioni", "relazioni.csv", RELAZIONI)

    esito = banco.importa_ok("storico", "storico.csv", STORICO)

    assert esito.nuovi == 3
    tutte = lettere(banco)
    assert {k: v["crediti"] for k, v in tutte.items()} == {
        "AV-100": {"T-1", "T-2"},
        "SO-200": {"T-2"},
        "AV-101": {"T-3"},
    }
    assert tutte["SO-200"]["tipo"] == "sollecito"
    assert tutte["SO-200"]["esito"] == "consegnata"
    assert tutte["AV-100"]["destinatario_id"] == id_soggetto(banco, ROSSI)
    assert tutte["AV-101"]["destinatario_id"] == id_soggetto(banco, ROSSI)  # the minor's parent
    fasi = {k: c.fase for k, c in crediti(banco).items()}
    assert fasi == {
        "T-1": "avviso",
        "T-2": "sollecito",
        "T-3": "avviso",
        "B-1": "rilevazione",
        "E-1": "rilevazione",
    }
    cambi = {e["entita_id"]: e["dati"] for e in eventi(banco, "credito.fase")}
    ids = {k: c.id for k, c in crediti(banco).items()}
    assert cambi == {
        ids["T-1"]: {"da": "rilevazione", "a": "avviso"},
        ids["T-2"]: {"da": "rilevazione", "a": "sollecito"},  # one event: straight to the furthest letter
        ids["T-3"]: {"da": "rilevazione", "a": "avviso"},
    }


def test_lettera_agli_eredi_porta_il_credito_del_defunto_al_sollecito(banco):
    banco.base()
    banco.importa_ok("relazioni", "relazioni.csv", RELAZIONI)
    banco.importa_ok(
        "crediti",
        "defunto.csv",
        f"id_credito;tipo;struttura;codice_fiscale;data_documento;importo\nV-1;a;TICKET;{VERDI_GIUSEPPE};01/02/2025;80\n",
    )

    banco.importa_ok(
        "storico",
        "eredi.csv",
        "id_credito;lettera;data_invio;canale;data_consegna;esito;destinatario\n"
        f"V-1;eredi;01/09/2025;pec;01/09/2025;consegnata;{VERDI_ANNA}\n",
    )

    assert crediti(banco)["V-1"].fase == "sollecito"
    (lettera,) = lettere(banco).values()
    assert lettera["destinatario_id"] == id_soggetto(banco, VERDI_ANNA)


def test_lettera_piu_vecchia_non_riporta_indietro_la_fase(banco):
    banco.base()
    banco.importa_ok("storico", "storico.csv", STORICO.replace(f"{ROSSI}\n", "\n"))
    fasi_prima = len(eventi(banco, "credito.fase"))

    esito = banco.importa_ok(
        "storico",
        "vecchio.csv",
        "id_credito;lettera;data_invio;canale;esito\nT-2;avviso;01/03/2025;email;inviata\n",
    )

    assert esito.nuovi == 1
    assert crediti(banco)["T-2"].fase == "sollecito"
    assert len(eventi(banco, "credito.fase")) == fasi_prima


def test_credito_aggiunto_a_una_lettera_gia_importata(banco):
    banco.base()
    banco.importa_ok(
        "storico",
        "prima.csv",
        "id_credito;lettera;data_invio;canale;esito;id_lettera\nT-1;avviso;01/04/2025;posta_ordinaria;inviata;AV-100\n",
    )

    esito = banco.importa_ok(
        "storico",
        "completo.csv",
        "id_credito;lettera;data_invio;canale;esito;id_lettera\n"
        "T-1;avviso;01/04/2025;posta_ordinaria;inviata;AV-100\n"
        "T-2;avviso;01/04/2025;posta_ordinaria;inviata;AV-100\n",
    )

    assert (esito.nuovi, esito.aggiornati) == (0, 1)
    assert lettere(banco)["AV-100"]["crediti"] == {"T-1", "T-2"}
    assert crediti(banco)["T-2"].fase == "avviso"
    assert banco.conta()["lettere"] == 1


# --- --solo-validi -------------------------------------------------------------------------


def test_solo_validi_importa_le_righe_corrette_e_scarta_le_altre(banco):
    banco.base()
    testo = (
        "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;importo\n"
        f"N-1;a;TICKET;{ROSSI};;01/02/2025;10\n"
        f"N-2;a;TICKET;{ROSSI};;01/02/2025;12,345\n"
        f"N-3;b;BILANCIO;{ROSSI};;01/02/2025;20\n"
        f"N-4;a;TICKET;{ROSSI};;01/02/2025;5\n"
        f"N-4;a;TICKET;{ROSSI};;01/02/2025;6\n"
        f"T-1;a;TICKET;{ROSSI};F/1;01/02/2025;100\n"  # already there, unchanged
    )

    esito = banco.importa("crediti", "misto.csv", testo, solo_validi=True)

    assert [(p.riga, p.colonna) for p in esito.errori] == [
        (3, "importo"),
        (5, "id_credito"),
        (6, "id_credito"),
    ]
    assert (esito.nuovi, esito.aggiornati, esito.invariati, esito.scartati, esito.scritto) == (
        2,
        0,
        1,
        3,
        True,
    )
    assert sorted(k for k in crediti(banco) if k.startswith("N-")) == ["N-1", "N-3"]
    assert banco.righe("select nuovi, scartati from importazioni where id = :i", i=esito.importazione_id) == [
        (2, 3)
    ]


def test_solo_validi_senza_righe_valide_non_scrive_nulla(banco):
    banco.base()
    prima = banco.fotografia()

    esito = banco.importa(
        "crediti",
        "tutto_errato.csv",
        f"id_credito;tipo;struttura;codice_fiscale;data_documento;importo\nN-1;z;TICKET;{ROSSI};01/02/2025;10\n",
        solo_validi=True,
    )

    assert (esito.nuovi, esito.scartati, esito.scritto) == (0, 1, False)
    assert banco.fotografia() == prima


# --- partial files, corrected amounts, links to the import ----------------------------------

RETTIFICA = "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;importo\n"


def test_colonna_assente_non_cancella_i_dati_in_archivio(banco):
    """An export without deceduto_il or the address must not bring the dead back to life."""
    banco.base()
    parziale = "codice_fiscale;tipo;cognome;nome\nVRDGPP40E20A944J;fisica;Verdi;Giuseppe\n"

    esito = banco.importa_ok("soggetti", "parziale.csv", parziale)

    assert (esito.nuovi, esito.aggiornati, esito.invariati) == (0, 0, 1)
    (verdi,) = banco.righe(
        "select deceduto_il, indirizzo, cap from soggetti where codice_fiscale = 'VRDGPP40E20A944J'"
    )
    assert verdi[0] is not None and verdi[1:] == ("Via Po 3", "40122")


def test_colonna_assente_nei_crediti_non_cancella_il_documento(banco):
    banco.base()
    senza_documento = (
        "id_credito;tipo;struttura;codice_fiscale;data_documento;importo\n"
        "T-1;a;TICKET;RSSMRA85T10A562S;01/02/2025;100\n"
    )

    esito = banco.importa_ok("crediti", "senza_numero.csv", senza_documento)

    assert (esito.aggiornati, esito.invariati) == (0, 1)
    assert crediti(banco)["T-1"].numero_documento == "F/1"


def test_importo_aumentato_riapre_il_credito_pagato(banco):
    """Art. 6 c. 3: a credit corrected upwards after it was paid has a residual again."""
    banco.base()
    banco.importa_ok("pagamenti", "pagamenti.csv", PAGAMENTI)
    assert crediti(banco)["T-1"].stato == "pagato"

    esito = banco.importa_ok(
        "crediti", "rettifica.csv", RETTIFICA + "T-1;a;TICKET;RSSMRA85T10A562S;F/1;01/02/2025;120,00\n"
    )

    assert esito.aggiornati == 1
    assert crediti(banco)["T-1"].stato == "aperto"
    riaperto = eventi(banco, "credito.stato")[-1]
    assert riaperto["dati"] == {"da": "pagato", "a": "aperto"}
    assert "residuo 20,00 €" in riaperto["perche"]
    assert riaperto["importazione_id"] == esito.importazione_id


def test_importo_rettificato_sotto_i_pagamenti_rifiutato(banco):
    banco.base()
    banco.importa_ok("pagamenti", "pagamenti.csv", PAGAMENTI)
    prima = banco.fotografia()

    esito = banco.importa(
        "crediti", "rettifica.csv", RETTIFICA + "T-2;a;TICKET;RSSMRA85T10A562S;F/2;01/03/2025;5,00\n"
    )

    banco.verifica_errori(
        esito.errori,
        [(2, "importo", "inferiore ai pagamenti già registrati per il credito (10,00 €)", "5,00")],
    )
    assert banco.fotografia() == prima


def test_cambi_di_stato_e_fase_rimandano_all_importazione(banco):
    """The journal says which import moved each credit: who, when, which file."""
    tutto_importato(banco)
    cambi = eventi(banco, "credito.stato") + eventi(banco, "credito.fase")
    assert cambi and all(e["importazione_id"] is not None for e in cambi)
    file = dict(banco.righe("select id, file from importazioni"))
    assert {file[e["importazione_id"]] for e in eventi(banco, "credito.fase")} == {"storico.csv"}
    assert {file[e["importazione_id"]] for e in eventi(banco, "credito.stato")} == {"pagamenti.csv"}


def test_due_importazioni_contemporanee_dello_stesso_file(banco):
    """Two clerks import the same export at once: one writes, the other finds it all there."""
    import threading

    banco.base(crediti=False)
    percorso = banco.file("crediti.csv", RETTIFICA + "T-1;a;TICKET;RSSMRA85T10A562S;F/1;01/02/2025;100,00\n")
    partenza = threading.Barrier(2, timeout=30)
    esiti, errori = [], []

    def importa() -> None:
        try:
            partenza.wait()
            esiti.append(banco.importa("crediti", percorso))
        except BaseException as exc:  # a thread's exception would be lost
            errori.append(exc)

    fili = [threading.Thread(target=importa, daemon=True) for _ in range(2)]
    for filo in fili:
        filo.start()
    for filo in fili:
        filo.join(60)
    assert errori == []
    assert sorted((e.nuovi, e.invariati) for e in esiti) == [(0, 1), (1, 0)]
