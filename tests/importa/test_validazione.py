"""Row validation: every class of bad input, each in a file with several mistakes at once.

Each file also holds valid rows that would add or change something, so that "nothing is
written" is checked against a store that had something to lose: the whole store is
photographed before and after. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from stdnum.it import codicefiscale, iva

ROSSI = "RSSMRA85T10A562S"  # Rossi Mario, 10/12/1985
BIANCHI_LUCA = "BNCLCU15C15A944I"  # a minor, son of Mario Rossi
VERDI_GIUSEPPE = "VRDGPP40E20A944J"  # deceased on 01/06/2025
VERDI_ANNA = "VRDNNA70B50A944U"
VERDI_PAOLO = "VRDPLA72L07A944X"
SOCIETA = "09123450372"
# Not in the standard anagrafe:
DANGELO = "DNGNCL90A01H501C"
BIANCHI_MARCO = "BNCMRC80A01A944Q"
ALTRA_SOCIETA = "01234560124"
TERZA_SOCIETA = "12345670017"

CREDITI = "id_credito;tipo;struttura;codice_fiscale;data_documento;importo"


def test_i_codici_usati_nelle_prove_sono_validi():
    persone = [ROSSI, BIANCHI_LUCA, VERDI_GIUSEPPE, VERDI_ANNA, VERDI_PAOLO, DANGELO, BIANCHI_MARCO]
    assert all(codicefiscale.is_valid(cf) for cf in persone)
    assert all(iva.is_valid(p) for p in (SOCIETA, ALTRA_SOCIETA, TERZA_SOCIETA))


def rifiutato(banco, tipo: str, nome: str, testo: str, attesi: list) -> None:
    """Import ``testo``: exactly ``attesi`` are reported and the store does not change at all."""
    prima = banco.fotografia()

    esito = banco.importa(tipo, nome, testo)

    banco.verifica_errori(esito.errori, attesi)
    assert all(p.file == nome for p in esito.errori)
    assert esito.scartati == len({r for r, *_ in attesi})
    assert (esito.nuovi, esito.aggiornati, esito.invariati, esito.scritto) == (0, 0, 0, False)
    assert banco.fotografia() == prima


# --- identity codes ------------------------------------------------------------------------


def test_codice_fiscale_e_partita_iva_con_cifra_di_controllo_errata_rifiutati(banco):
    banco.base()
    testo = (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;indirizzo;cap;comune\n"
        f"{ROSSI};fisica;Rossi;Mario;;Via Nuova 9;40121;Bologna\n"  # valid: a change of address
        f"{DANGELO};fisica;D'Angelo;Niccolò;;;;\n"  # valid: new
        "RSSMRA85T10A562X;fisica;Rossi;Mario;;;;\n"
        "09123450373;giuridica;;;Alfa S.p.A.;;;\n"
        "RSSMRA85T10A56;fisica;Rossi;Mario;;;;\n"
        ";fisica;Neri;Anna;;;;\n"
        "RSSMRA8XT10A562S;fisica;Rossi;Mario;;;;\n"
        "00000000000;giuridica;;;Beta S.r.l.;;;\n"
    )
    rifiutato(
        banco,
        "soggetti",
        "anagrafe.csv",
        testo,
        [
            (4, "codice_fiscale", "carattere di controllo errato", "RSSMRA85T10A562X"),
            (5, "codice_fiscale", "cifra di controllo errata", "09123450373"),
            (6, "codice_fiscale", "attesi 16 caratteri (persona) o 11 cifre (ente)", "RSSMRA85T10A56"),
            (7, "codice_fiscale", "valore obbligatorio mancante", ""),
            (8, "codice_fiscale", "codice fiscale non valido", "RSSMRA8XT10A562S"),
            (9, "codice_fiscale", "partita IVA non valid", "00000000000"),
        ],
    )


def test_codici_fiscali_errati_nei_crediti_e_nelle_relazioni_rifiutati(banco):
    banco.base()
    crediti = (
        f"{CREDITI}\n"
        f"N-1;a;TICKET;{ROSSI};01/02/2025;10\n"
        "N-2;a;TICKET;RSSMRA85T10A562X;01/02/2025;10\n"
        "N-3;a;TICKET;09123450373;01/02/2025;10\n"
    )
    rifiutato(
        banco,
        "crediti",
        "crediti.csv",
        crediti,
        [
            (3, "codice_fiscale", "carattere di controllo errato", "RSSMRA85T10A562X"),
            (4, "codice_fiscale", "cifra di controllo errata", "09123450373"),
        ],
    )
    relazioni = (
        "codice_fiscale;relazione;codice_fiscale_collegato;quota\n"
        f"{BIANCHI_LUCA};genitore;RSSMRA85T10A562X;\n"
        f"BNCLCU15C15A944A;genitore;{ROSSI};\n"
    )
    rifiutato(
        banco,
        "relazioni",
        "relazioni.csv",
        relazioni,
        [
            (2, "codice_fiscale_collegato", "carattere di controllo errato", "RSSMRA85T10A562X"),
            (3, "codice_fiscale", "carattere di controllo errato", "BNCLCU15C15A944A"),
        ],
    )


# --- amounts -----------------------------------------------------------------------------


def test_importi_zero_negativi_non_numerici_o_con_tre_decimali_rifiutati(banco):
    banco.base()
    testo = (
        f"{CREDITI}\n"
        f"T-1;a;TICKET;{ROSSI};01/02/2025;90,00\n"  # valid: a correction of the amount
        f"N-1;a;TICKET;{ROSSI};01/02/2025;10\n"  # valid: new
        f"N-2;a;TICKET;{ROSSI};01/02/2025;0\n"
        f"N-3;a;TICKET;{ROSSI};01/02/2025;-5,00\n"
        f"N-4;a;TICKET;{ROSSI};01/02/2025;12,345\n"
        f"N-5;a;TICKET;{ROSSI};01/02/2025;dodici\n"
        f"N-6;a;TICKET;{ROSSI};01/02/2025;\n"
        f"N-7;a;TICKET;{ROSSI};01/02/2025;100000000\n"
        f"N-8;a;TICKET;{ROSSI};01/02/2025;1.234,567\n"
        f"N-9;a;TICKET;{ROSSI};01/02/2025;1e30\n"
        f"N-10;a;TICKET;{ROSSI};01/02/2025;{'9' * 29}\n"
    )
    rifiutato(
        banco,
        "crediti",
        "crediti.csv",
        testo,
        [
            (4, "importo", "l'importo deve essere maggiore di zero", "0"),
            (5, "importo", "l'importo deve essere maggiore di zero", "-5,00"),
            (6, "importo", "ha più di due decimali", "12,345"),
            (7, "importo", "non è un importo", "dodici"),
            (8, "importo", "valore obbligatorio mancante", ""),
            (9, "importo", "importo non plausibile", "100000000"),
            (10, "importo", "ha più di due decimali", "1.234,567"),
            (11, "importo", "importo non plausibile", "1e30"),
            (12, "importo", "importo non plausibile", "9" * 29),
        ],
    )


def test_pagamenti_con_importi_o_date_errati_rifiutati(banco):
    banco.base()
    testo = (
        "id_credito;data;importo;riferimento\n"
        "T-1;01/03/2025;10,00;R-1\n"  # valid
        "T-1;02/03/2025;0;R-2\n"
        "T-1;03/03/2025;1,005;R-3\n"
        "T-1;01/12/2026;5;R-4\n"
        "T-1;;5;R-5\n"
        "T-1;04/03/2025;5;\n"
    )
    rifiutato(
        banco,
        "pagamenti",
        "pagamenti.csv",
        testo,
        [
            (3, "importo", "maggiore di zero", "0"),
            (4, "importo", "ha più di due decimali", "1,005"),
            (
                5,
                "data",
                "data non plausibile: deve essere tra il 01/01/1900 e oggi (23/11/2026)",
                "01/12/2026",
            ),
            (6, "data", "valore obbligatorio mancante", ""),
            (7, "riferimento", "identifica il pagamento ed evita doppie registrazioni", ""),
        ],
    )


def test_pagamenti_oltre_l_importo_dovuto_rifiutati(banco):
    banco.base()
    testo = (
        "id_credito;data;importo;riferimento\n"
        "T-2;01/04/2025;30,00;R-1\n"
        "T-3;01/04/2025;10,00;R-2\n"  # valid
        "T-2;02/04/2025;20,26;R-3\n"
    )
    motivo = "i pagamenti del credito (50,26 €) superano l'importo dovuto (50,25 €)"
    rifiutato(
        banco,
        "pagamenti",
        "pagamenti.csv",
        testo,
        [(2, "importo", motivo, "30,00"), (4, "importo", motivo, "20,26")],
    )


def test_pagamenti_oltre_l_importo_contando_quelli_gia_registrati_rifiutati(banco):
    banco.base()
    banco.importa_ok("pagamenti", "marzo.csv", "id_credito;data;importo;riferimento\nT-1;01/03/2025;60;R-1\n")
    testo = "id_credito;data;importo;riferimento\nT-1;01/04/2025;40,01;R-2\nT-3;01/04/2025;10;R-3\n"
    rifiutato(
        banco,
        "pagamenti",
        "aprile.csv",
        testo,
        [(2, "importo", "(100,01 €) superano l'importo dovuto (100,00 €)", "40,01")],
    )


def test_spese_dello_storico_negative_enormi_o_con_tre_decimali_rifiutate(banco):
    banco.base()
    testo = (
        "id_credito;lettera;data_invio;canale;data_consegna;esito;spese\n"
        "T-1;avviso;01/04/2025;raccomandata_ar;03/04/2025;consegnata;9,50\n"  # valid
        "T-2;avviso;01/04/2025;posta_ordinaria;;inviata;-1,30\n"
        "T-3;avviso;01/04/2025;posta_ordinaria;;inviata;10000000000000000000\n"
        "B-1;avviso;01/04/2025;posta_ordinaria;;inviata;1,305\n"
    )
    rifiutato(
        banco,
        "storico",
        "storico.csv",
        testo,
        [
            (3, "spese", "l'importo non può essere negativo", "-1,30"),
            (4, "spese", "importo non plausibile", "10000000000000000000"),
            (5, "spese", "ha più di due decimali", "1,305"),
        ],
    )


# --- closed vocabularies -------------------------------------------------------------------


def test_tipo_e_struttura_sconosciuti_rifiutati(banco):
    banco.base()
    testo = (
        f"{CREDITI}\n"
        f"N-1;a;LEGALE;{ROSSI};01/02/2025;10\n"  # valid
        f"N-2;z;TICKET;{ROSSI};01/02/2025;10\n"
        f"N-3;;TICKET;{ROSSI};01/02/2025;10\n"
        f"N-4;a;ECONOMATO;{ROSSI};01/02/2025;10\n"
        f"N-5;a;;{ROSSI};01/02/2025;10\n"
        f"N-6;ticket;a;{ROSSI};01/02/2025;10\n"
    )
    rifiutato(
        banco,
        "crediti",
        "crediti.csv",
        testo,
        [
            (3, "tipo", "valore non ammesso (ammessi: a, b, c, d, e, f, g)", "z"),
            (4, "tipo", "valore obbligatorio mancante", ""),
            (
                5,
                "struttura",
                "struttura sconosciuta: quelle in config.yaml sono BILANCIO, LEGALE, TICKET",
                "ECONOMATO",
            ),
            (6, "struttura", "valore obbligatorio mancante", ""),
            (7, "struttura", "struttura sconosciuta", "a"),
            (7, "tipo", "valore non ammesso", "ticket"),
        ],
    )


# --- dates ---------------------------------------------------------------------------------


def test_date_inesistenti_mal_scritte_o_non_plausibili_rifiutate(banco):
    banco.base()
    testo = (
        "id_credito;tipo;struttura;codice_fiscale;data_documento;data_prestazione;scadenza;importo\n"
        f"N-1;a;TICKET;{ROSSI};01/02/2025;;;10\n"  # valid
        f"N-2;a;TICKET;{ROSSI};31/02/2025;;;10\n"
        f"N-3;a;TICKET;{ROSSI};2025/02/01;;;10\n"
        f"N-4;a;TICKET;{ROSSI};ieri;;;10\n"
        f"N-5;a;TICKET;{ROSSI};01/01/2027;;;10\n"
        f"N-6;a;TICKET;{ROSSI};;31/12/1899;;10\n"
        f"N-7;a;TICKET;{ROSSI};01/02/2025;;01/01/2025;10\n"
        f"N-8;a;TICKET;{ROSSI};01/02/2025;;01/01/2032;10\n"
        f"N-9;a;TICKET;{ROSSI};;;;10\n"
        f"N-10;a;TICKET;{ROSSI};2025-13-01;;;10\n"
    )
    rifiutato(
        banco,
        "crediti",
        "crediti.csv",
        testo,
        [
            (3, "data_documento", "data inesistente", "31/02/2025"),
            (
                4,
                "data_documento",
                "data non valida (formati ammessi: 31/12/2026 oppure 2026-12-31)",
                "2025/02/01",
            ),
            (5, "data_documento", "data non valida", "ieri"),
            (6, "data_documento", "data non plausibile", "01/01/2027"),
            (7, "data_prestazione", "data non plausibile: deve essere tra il 01/01/1900", "31/12/1899"),
            (8, "scadenza", "scadenza precedente alla data del documento", "01/01/2025"),
            (9, "scadenza", "scadenza non plausibile: oltre 5 anni da oggi", "01/01/2032"),
            (10, "data_documento", "serve la data del documento o, in mancanza, della prestazione", ""),
            (11, "data_documento", "data inesistente", "2025-13-01"),
        ],
    )


def test_dati_anagrafici_incoerenti_o_mal_scritti_rifiutati(banco):
    banco.base()
    testo = (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;deceduto_il;indirizzo;cap;comune;provincia;email\n"
        f"{DANGELO};fisica;D'Angelo;Niccolò;;01/01/1990;;Via Roma 2;40121;Bologna;BO;n.dangelo@example.it\n"
        f"{ROSSI};fisica;Rossi;Mario;;11/12/1985;;;;;;\n"
        f"{BIANCHI_MARCO};fisica;;Marco;;;;;;;;\n"
        f"{ALTRA_SOCIETA};giuridica;;;;;;;;;;\n"
        f"{TERZA_SOCIETA};giuridica;;;Beta S.r.l.;;01/01/2020;;;;;\n"
        f"{VERDI_GIUSEPPE};fisica;Verdi;Giuseppe;;20/05/1940;01/01/1930;;;;;\n"
        f"{VERDI_ANNA};fisica;Verdi;Anna;;;;Via Po 3;;Bologna;;\n"
        f"{VERDI_PAOLO};fisica;Verdi;Paolo;;;;Via Po 5;4012A;Bologna;Bologna;paolo@\n"
        f"{BIANCHI_LUCA};fisica;Bianchi;Luca;;;2099-01-01;;;;;\n"
        f"{BIANCHI_LUCA.lower()};ente;Bianchi;Luca;;;;;;;;\n"
    )
    rifiutato(
        banco,
        "soggetti",
        "anagrafe.csv",
        testo,
        [
            (
                3,
                "data_nascita",
                "non coerente con la data di nascita contenuta nel codice fiscale",
                "11/12/1985",
            ),
            (4, "cognome", "obbligatorio per una persona fisica", ""),
            (5, "ragione_sociale", "obbligatoria per una persona giuridica", ""),
            (6, "deceduto_il", "una persona giuridica non può essere deceduta", "01/01/2020"),
            (7, "deceduto_il", "data di decesso precedente alla data di nascita", "01/01/1930"),
            (8, "cap", "indirizzo incompleto: servono indirizzo, CAP e comune", ""),
            (9, "cap", "CAP non valido: attese 5 cifre", "4012A"),
            (9, "email", "indirizzo e-mail non valido", "paolo@"),
            (9, "provincia", "provincia non valida", "Bologna"),
            (10, "deceduto_il", "data non plausibile", "2099-01-01"),
            (11, "tipo", "valore non ammesso (ammessi: fisica, giuridica)", "ente"),
        ],
    )


def test_testi_piu_lunghi_della_colonna_rifiutati_mai_troncati(banco):
    """PostgreSQL would refuse them at write time, SQLite would keep them: both get a message."""
    banco.base()
    cognome, ragione, indirizzo = "B" * 201, "S" * 301, "Via " + "X" * 297
    email = "a" * 250 + "@example.it"
    soggetti = (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;indirizzo;cap;comune;email\n"
        f"{DANGELO};fisica;D'Angelo;Niccolò;;Via Roma 2;40121;Bologna;\n"  # valid
        f"{BIANCHI_MARCO};fisica;{cognome};Marco;;;;;\n"
        f"{ALTRA_SOCIETA};giuridica;;;{ragione};;;;\n"
        f"{TERZA_SOCIETA};giuridica;;;Gamma S.r.l.;{indirizzo};40121;Bologna;\n"
        f"{VERDI_ANNA};fisica;Verdi;Anna;;;;;{email}\n"
    )
    rifiutato(
        banco,
        "soggetti",
        "anagrafe.csv",
        soggetti,
        [
            (3, "cognome", "testo troppo lungo (massimo 200 caratteri)", cognome),
            (4, "ragione_sociale", "testo troppo lungo (massimo 300 caratteri)", ragione),
            (5, "indirizzo", "testo troppo lungo (massimo 300 caratteri)", indirizzo),
            (6, "email", "indirizzo e-mail troppo lungo (massimo 254 caratteri)", email),
        ],
    )
    documento = "DOC/" + "9" * 47
    crediti = (
        "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;importo\n"
        f"N-1;a;TICKET;{ROSSI};{documento[:50]};01/02/2025;10\n"  # valid: exactly 50
        f"N-2;a;TICKET;{ROSSI};{documento};01/02/2025;10\n"
        f"{'N' * 51};a;TICKET;{ROSSI};;01/02/2025;10\n"
    )
    rifiutato(
        banco,
        "crediti",
        "crediti.csv",
        crediti,
        [
            (3, "numero_documento", "testo troppo lungo (massimo 50 caratteri)", documento),
            (4, "id_credito", "identificativo troppo lungo (massimo 50 caratteri)", "N" * 51),
        ],
    )
    lettera = "L" * 201
    storico = (
        "id_credito;lettera;data_invio;canale;esito;id_lettera\n"
        "T-1;avviso;01/04/2025;posta_ordinaria;inviata;L-1\n"
        f"T-2;avviso;01/04/2025;posta_ordinaria;inviata;{lettera}\n"
    )
    rifiutato(
        banco,
        "storico",
        "storico.csv",
        storico,
        [(3, "id_lettera", "testo troppo lungo (massimo 200 caratteri)", lettera)],
    )


# --- references to what must already be in the archive -------------------------------------

RIFERIMENTI = [
    pytest.param(
        "crediti",
        f"{CREDITI}\nN-1;a;TICKET;{DANGELO};01/02/2025;10\nN-2;a;TICKET;{ROSSI};01/02/2025;10\n"
        f"N-3;b;BILANCIO;{ALTRA_SOCIETA};01/02/2025;10\n",
        [
            (2, "codice_fiscale", "soggetto non presente in archivio: importare prima i soggetti", DANGELO),
            (4, "codice_fiscale", "soggetto non presente in archivio", ALTRA_SOCIETA),
        ],
        id="crediti-di-soggetti-sconosciuti",
    ),
    pytest.param(
        "pagamenti",
        "id_credito;data;importo;riferimento;struttura\n"
        "T-1;01/03/2025;10;R-1;\nT-99;01/03/2025;10;R-2;\nB-1;01/03/2025;10;R-3;TICKET\n;01/03/2025;10;R-4;\n",
        [
            (3, "id_credito", "credito non presente in archivio: importare prima i crediti", "T-99"),
            (4, "id_credito", "credito non presente in archivio", "B-1"),
            (5, "id_credito", "valore obbligatorio mancante", ""),
        ],
        id="pagamenti-di-crediti-sconosciuti",
    ),
    pytest.param(
        "relazioni",
        "codice_fiscale;relazione;codice_fiscale_collegato;quota\n"
        f"{BIANCHI_LUCA};genitore;{ROSSI};\n{BIANCHI_LUCA};tutore;{DANGELO};\n{BIANCHI_MARCO};genitore;{ROSSI};\n",
        [
            (3, "codice_fiscale_collegato", "soggetto non presente in archivio", DANGELO),
            (4, "codice_fiscale", "soggetto non presente in archivio", BIANCHI_MARCO),
        ],
        id="relazioni-di-soggetti-sconosciuti",
    ),
    pytest.param(
        "storico",
        "id_credito;lettera;data_invio;canale;esito;destinatario\n"
        "T-1;avviso;01/04/2025;posta_ordinaria;inviata;\n"
        "T-99;avviso;01/04/2025;posta_ordinaria;inviata;\n"
        f"T-2;avviso;01/04/2025;posta_ordinaria;inviata;{DANGELO}\n"
        f"T-3;avviso;01/04/2025;posta_ordinaria;inviata;{VERDI_ANNA}\n",
        [
            (3, "id_credito", "credito non presente in archivio", "T-99"),
            (4, "destinatario", "soggetto non presente in archivio", DANGELO),
            (5, "destinatario", "non risulta genitore, tutore o erede del debitore", VERDI_ANNA),
        ],
        id="storico-di-crediti-e-destinatari-sconosciuti",
    ),
]


@pytest.mark.parametrize(("tipo", "testo", "attesi"), RIFERIMENTI)
def test_riferimenti_a_soggetti_o_crediti_inesistenti_rifiutati(banco, tipo, testo, attesi):
    banco.base()
    rifiutato(banco, tipo, f"{tipo}.csv", testo, attesi)


# --- the same thing twice in one file ------------------------------------------------------

RIPETUTI = [
    pytest.param(
        "soggetti",
        f"codice_fiscale;tipo;cognome;nome\n{DANGELO};fisica;D'Angelo;Niccolò\n"
        f"{BIANCHI_MARCO};fisica;Bianchi;Marco\n{DANGELO.lower()};fisica;D'Angelo;Nicolò\n",
        [
            (2, "codice_fiscale", "codice fiscale ripetuto: compare di nuovo alla riga 4", DANGELO),
            (4, "codice_fiscale", "codice fiscale ripetuto: compare già alla riga 2", DANGELO.lower()),
        ],
        id="soggetti",
    ),
    pytest.param(
        "crediti",
        f"{CREDITI}\nN-1;a;TICKET;{ROSSI};01/02/2025;10\nN-1;b;BILANCIO;{ROSSI};01/02/2025;10\n"
        f"N-1;a;ticket;{ROSSI};01/02/2025;12\n",
        [
            (
                2,
                "id_credito",
                "id_credito ripetuto per la struttura TICKET: compare di nuovo alla riga 4",
                "N-1",
            ),
            (4, "id_credito", "id_credito ripetuto per la struttura TICKET: compare già alla riga 2", "N-1"),
        ],
        id="crediti-stessa-struttura",
    ),
    pytest.param(
        "pagamenti",
        "id_credito;data;importo;riferimento\nT-1;01/03/2025;10;R-1\nT-1;02/03/2025;10;R-1\nT-2;01/03/2025;10;R-1\n",
        [
            (
                2,
                "riferimento",
                "pagamento ripetuto (stesso riferimento): compare di nuovo alla riga 3",
                "R-1",
            ),
            (3, "riferimento", "pagamento ripetuto (stesso riferimento): compare già alla riga 2", "R-1"),
        ],
        id="pagamenti",
    ),
    pytest.param(
        "relazioni",
        "codice_fiscale;relazione;codice_fiscale_collegato;quota\n"
        f"{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n",
        [
            (2, "codice_fiscale_collegato", "relazione ripetuta: compare di nuovo alla riga 3", VERDI_ANNA),
            (3, "codice_fiscale_collegato", "relazione ripetuta: compare già alla riga 2", VERDI_ANNA),
        ],
        id="relazioni",
    ),
    pytest.param(
        "storico",
        "id_credito;lettera;data_invio;canale;esito;id_lettera\n"
        "T-1;avviso;01/04/2025;posta_ordinaria;inviata;L-1\nT-1;avviso;01/04/2025;posta_ordinaria;inviata;L-1\n",
        [(3, "id_credito", "credito ripetuto nella stessa lettera (vedi riga 2)", "T-1")],
        id="storico",
    ),
]


@pytest.mark.parametrize(("tipo", "testo", "attesi"), RIPETUTI)
def test_id_ripetuti_nello_stesso_file_rifiutati(banco, tipo, testo, attesi):
    banco.base()
    rifiutato(banco, tipo, f"{tipo}.csv", testo, attesi)


# --- relazioni (Art. 6 c. 8) ---------------------------------------------------------------

RELAZIONI = "codice_fiscale;relazione;codice_fiscale_collegato;quota"


def test_quote_degli_eredi_oltre_uno_rifiutate(banco):
    banco.base(crediti=False)
    banco.importa_ok(
        "soggetti",
        "altri.csv",
        f"codice_fiscale;tipo;cognome;nome\n{DANGELO};fisica;D'Angelo;Niccolò\n{BIANCHI_MARCO};fisica;Bianchi;Marco\n",
    )
    testo = (
        f"{RELAZIONI}\n"
        f"{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n"
        f"{VERDI_GIUSEPPE};erede;{VERDI_PAOLO};0,5\n"
        f"{VERDI_GIUSEPPE};erede;{ROSSI};1/3\n"
        f"{VERDI_GIUSEPPE};erede;{BIANCHI_LUCA};3/2\n"
        f"{VERDI_GIUSEPPE};erede;{DANGELO};0\n"
        f"{VERDI_GIUSEPPE};erede;{BIANCHI_MARCO};un terzo\n"
        f"{BIANCHI_LUCA};genitore;{ROSSI};\n"  # valid
    )
    somma = "le quote degli eredi dello stesso defunto sommano a 4/3 (più di 1)"
    rifiutato(
        banco,
        "relazioni",
        "eredi.csv",
        testo,
        [
            (2, "quota", somma, "1/2"),
            (3, "quota", somma, "0,5"),
            (4, "quota", somma, "1/3"),
            (5, "quota", "la quota deve essere maggiore di 0 e al massimo 1", "3/2"),
            (6, "quota", "la quota deve essere maggiore di 0 e al massimo 1", "0"),
            (7, "quota", "quota non valida: scrivere una frazione (1/3) o un decimale (0,5)", "un terzo"),
        ],
    )


def test_quote_degli_eredi_oltre_uno_contando_quelle_in_archivio_rifiutate(banco):
    banco.base(crediti=False)
    banco.importa_ok(
        "relazioni",
        "eredi.csv",
        f"{RELAZIONI}\n{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n{VERDI_GIUSEPPE};erede;{VERDI_PAOLO};1/4\n",
    )
    testo = f"{RELAZIONI}\n{VERDI_GIUSEPPE};erede;{ROSSI};1/3\n{BIANCHI_LUCA};genitore;{ROSSI};\n"
    rifiutato(
        banco,
        "relazioni",
        "altro_erede.csv",
        testo,
        [(2, "quota", "le quote degli eredi dello stesso defunto sommano a 13/12 (più di 1)", "1/3")],
    )


def test_erede_di_persona_non_deceduta_rifiutato(banco):
    banco.base(crediti=False)
    testo = (
        f"{RELAZIONI}\n"
        f"{VERDI_GIUSEPPE};erede;{VERDI_ANNA};1/2\n"  # valid: Giuseppe Verdi is deceased
        f"{ROSSI};erede;{VERDI_PAOLO};1/2\n"
        f"{BIANCHI_LUCA};erede;{ROSSI};1\n"
    )
    motivo = "il soggetto non risulta deceduto: indicare deceduto_il nei soggetti"
    rifiutato(
        banco,
        "relazioni",
        "eredi.csv",
        testo,
        [(3, "codice_fiscale", motivo, ROSSI), (4, "codice_fiscale", motivo, BIANCHI_LUCA)],
    )


def test_relazioni_senza_quota_con_quota_superflua_o_circolari_rifiutate(banco):
    banco.base(crediti=False)
    testo = (
        f"{RELAZIONI}\n"
        f"{BIANCHI_LUCA};genitore;{ROSSI};\n"  # valid
        f"{BIANCHI_LUCA};tutore;{ROSSI};1/2\n"
        f"{VERDI_GIUSEPPE};erede;{VERDI_PAOLO};\n"
        f"{ROSSI};tutore;{ROSSI};\n"
        f"{BIANCHI_LUCA};nonno;{ROSSI};\n"
    )
    rifiutato(
        banco,
        "relazioni",
        "relazioni.csv",
        testo,
        [
            (3, "quota", "la quota si indica solo per gli eredi", "1/2"),
            (4, "quota", "la quota è obbligatoria per un erede", ""),
            (5, "codice_fiscale_collegato", "un soggetto non può essere collegato a sé stesso", ROSSI),
            (6, "relazione", "valore non ammesso (ammessi: genitore, tutore, erede)", "nonno"),
        ],
    )


# --- storico -------------------------------------------------------------------------------


def test_storico_con_lettere_incoerenti_rifiutato(banco):
    banco.base()
    banco.importa_ok("relazioni", "relazioni.csv", f"{RELAZIONI}\n{BIANCHI_LUCA};genitore;{ROSSI};\n")
    testo = (
        "id_credito;lettera;data_invio;canale;data_consegna;esito;id_lettera;destinatario\n"
        "T-1;avviso;01/04/2025;posta_ordinaria;;inviata;L-1;\n"  # valid
        "T-2;avviso;01/04/2025;posta_ordinaria;10/04/2025;consegnata;;\n"
        "T-2;sollecito;01/05/2025;pec;06/05/2025;compiuta_giacenza;;\n"
        "T-1;sollecito;01/06/2025;raccomandata_ar;;consegnata;;\n"
        "B-1;avviso;01/04/2025;posta_ordinaria;05/04/2025;inviata;;\n"
        "B-1;sollecito;01/06/2025;raccomandata_ar;20/05/2025;consegnata;;\n"
        "E-1;avviso;01/04/2025;posta_ordinaria;;inviata;;\n"
        f"T-3;eredi;01/04/2025;posta_ordinaria;;inviata;;{ROSSI}\n"
        "T-2;avviso;01/01/2025;posta_ordinaria;;inviata;;\n"
        "T-3;diffida;01/04/2025;fax;;spedita;;\n"
        "T-2;avviso;01/04/2025;pec;;inviata;L-1;\n"
    )
    rifiutato(
        banco,
        "storico",
        "storico.csv",
        testo,
        [
            (3, "esito", "con il canale posta_ordinaria la consegna non è documentabile", "consegnata"),
            (4, "esito", "la compiuta giacenza riguarda solo la raccomandata A/R", "compiuta_giacenza"),
            (5, "data_consegna", "obbligatoria quando la lettera risulta consegnata", ""),
            (6, "data_consegna", "con l'esito «inviata» la data di consegna va lasciata vuota", "05/04/2025"),
            (7, "data_consegna", "consegna precedente all'invio", "20/05/2025"),
            (8, "lettera", "per i crediti di tipo e non si inviano avvisi o solleciti", "avviso"),
            (9, "lettera", "lettera agli eredi per un debitore che non risulta deceduto", "eredi"),
            (10, "data_invio", "lettera inviata prima della data del documento del credito", "01/01/2025"),
            (
                11,
                "canale",
                "valore non ammesso (ammessi: pec, email, posta_ordinaria, raccomandata_ar)",
                "fax",
            ),
            (11, "esito", "valore non ammesso", "spedita"),
            (11, "lettera", "valore non ammesso", "diffida"),
            (12, "canale", "stessa id_lettera della riga 2 ma valore diverso", "pec"),
        ],
    )


# --- how errors are reported ---------------------------------------------------------------


def test_ogni_errore_nomina_file_riga_colonna_e_valore_in_italiano(banco):
    banco.base()
    testo = f"{CREDITI}\nN-1;a;TICKET;{ROSSI};01/02/2025;12,345\nN-2;z;TICKET;{ROSSI};01/02/2025;1\n"

    esito = banco.importa("crediti", "febbraio.csv", testo)

    assert [str(p) for p in esito.errori] == [
        "febbraio.csv, riga 2, colonna «importo»: ha più di due decimali (valore: «12,345»)",
        "febbraio.csv, riga 3, colonna «tipo»: "
        "valore non ammesso (ammessi: a, b, c, d, e, f, g) (valore: «z»)",
    ]
    assert esito.come_json() == {
        "nuovi": 0,
        "aggiornati": 0,
        "invariati": 0,
        "scartati": 2,
        "errori": [
            {"riga": 2, "colonna": "importo", "valore": "12,345", "motivo": "ha più di due decimali"},
            {
                "riga": 3,
                "colonna": "tipo",
                "valore": "z",
                "motivo": "valore non ammesso (ammessi: a, b, c, d, e, f, g)",
            },
        ],
    }


def test_errori_nominano_le_colonne_come_scritte_nel_file_rinominato(banco):
    banco.base()
    testo = (
        "ID PRATICA;tipo;struttura;codice_fiscale;data_documento;IMPORTO DOVUTO\n"
        f"N-1;a;TICKET;{ROSSI};01/02/2025;-1\n"
        f";a;TICKET;{ROSSI};01/02/2025;10\n"
    )
    prima = banco.fotografia()

    esito = banco.importa(
        "crediti", "rinominato.csv", testo, mappa={"id_credito": "ID PRATICA", "importo": "IMPORTO DOVUTO"}
    )

    banco.verifica_errori(
        esito.errori,
        [
            (2, "IMPORTO DOVUTO", "maggiore di zero", "-1"),
            (3, "ID PRATICA", "valore obbligatorio mancante", ""),
        ],
    )
    assert banco.fotografia() == prima
