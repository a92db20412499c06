"""``consegne``: the returned A/R cards, validated like every import and applied to the letters.

Letters are created directly in the store (a lotto already sent), on top of the standard
anagrafe and credits of ``conftest.py``. The store tests run on SQLite and PostgreSQL; the test
of the bad rows only on SQLite (the database plays no part in it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.config.schema import Config
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.valuta import valuta
from corrispondenza.store.pratiche import carica_pratiche
from corrispondenza.store.tabelle import Credito, Evento, Lettera, LetteraCredito, Lotto, Soggetto
from corrispondenza.workspace import config_iniziale

from .conftest import OGGI, Banco

INVIO = date(2026, 10, 5)
INTESTAZIONE = "lettera;raccomandata;esito;data;motivo\n"

# name → (canale, stato, credito, origine, numero_raccomandata)
LETTERE: dict[str, tuple[str, str | None, str, str, str | None]] = {
    "R1": ("raccomandata_ar", "inviata", "T-1", "lotto", None),
    "R2": ("raccomandata_ar", "inviata", "B-1", "lotto", None),
    "R3": ("raccomandata_ar", "inviata", "T-2", "lotto", "614612345678"),
    "R4": ("raccomandata_ar", "inviata", "T-3", "lotto", None),
    "R5": ("raccomandata_ar", "inviata", "T-3", "lotto", None),
    "R6": ("raccomandata_ar", "inviata", "T-3", "lotto", None),
    "P1": ("posta_ordinaria", "inviata", "T-3", "lotto", None),
    "PEC": ("pec", "inviata", "T-1", "lotto", None),
    "EMAIL": ("email", "inviata", "T-1", "lotto", None),
    "GEN": ("raccomandata_ar", "generata", "T-1", "lotto", None),
    "STO": ("raccomandata_ar", None, "T-1", "storico", None),
}


def lettere_inviate(banco: Banco, nomi: tuple[str, ...] = tuple(LETTERE)) -> dict[str, int]:
    """The anagrafe, the credits and a lotto of 2026-10-01 sent on 2026-10-05: name → letter id."""
    banco.base()
    ids: dict[str, int] = {}
    with Session(banco.engine) as s, s.begin():
        crediti = {c.id_esterno: c for c in s.scalars(select(Credito))}
        lotto = Lotto(
            data=date(2026, 10, 1),
            stato="inviata",
            creato_il=datetime(2026, 10, 1, tzinfo=UTC),
            creato_da="prova",
        )
        s.add(lotto)
        s.flush()
        for nome in nomi:
            canale, stato, credito, origine, numero = LETTERE[nome]
            lettera = Lettera(
                origine=origine,
                id_esterno=nome if origine == "storico" else None,
                tipo="sollecito",
                canale=canale,
                destinatario_id=crediti[credito].soggetto_id,
                data_invio=INVIO if stato != "generata" else None,
                stato=stato,
                lotto_id=lotto.id if origine == "lotto" else None,
                struttura=crediti[credito].struttura,
                numero_raccomandata=numero,
            )
            s.add(lettera)
            s.flush()
            s.add(LetteraCredito(lettera_id=lettera.id, credito_id=crediti[credito].id))
            ids[nome] = lettera.id
    return ids


def stato_lettere(banco: Banco) -> dict[int, tuple[Any, ...]]:
    righe = banco.righe("SELECT id, esito, data_consegna, numero_raccomandata, riscontro FROM lettere")
    return {r[0]: tuple(_data(v) for v in r[1:]) for r in righe}


def _data(v: Any) -> Any:
    return date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 and v[4] == "-" else v


def test_ogni_riga_sbagliata_tutti_gli_errori_insieme_e_nulla_scritto(banco_sqlite: Banco) -> None:
    ids = lettere_inviate(banco_sqlite)
    prima = banco_sqlite.fotografia()
    rec = f"REC-2025-{ids['R6']:06d}"
    contenuto = INTESTAZIONE + "\n".join(
        [
            "9999;;consegnata;10/10/2026;",  # 2: unknown letter
            f"{ids['PEC']};;consegnata;10/10/2026;",  # 3: PEC
            f"{ids['GEN']};;consegnata;10/10/2026;",  # 4: not sent yet
            f"{ids['R1']};;ricevuta;10/10/2026;",  # 5: unknown esito
            f"{ids['R2']};;consegnata;31/02/2026;",  # 6: no such date
            f"{ids['R3']};;consegnata;01/12/2026;",  # 7: in the future
            f"{ids['R4']};;consegnata;01/09/2026;",  # 8: before the sending
            f"{ids['R5']};;consegnata;10/10/2026;",  # 9: same letter as row 10 ...
            f"{ids['R5']};;non_consegnata;12/10/2026;destinatario sconosciuto",  # 10: ... other outcome
            ";99988877766;consegnata;10/10/2026;",  # 11: no letter has that number
            f"{ids['P1']};;consegnata;10/10/2026;",  # 12: ordinary mail proves nothing
            f"{rec};;consegnata;10/10/2026;",  # 13: reference of another year
            ";;consegnata;10/10/2026;",  # 14: no letter at all
            f"{ids['EMAIL']};;consegnata;10/10/2026;",  # 15: e-mail
            f"{ids['STO']};;consegnata;10/10/2026;",  # 16: a storico letter
            f"{ids['R6']};12345;consegnata;10/10/2026;",  # 17: not a raccomandata number
            "abc;;consegnata;10/10/2026;",  # 18: neither an id nor a reference
        ]
    )
    esito = banco_sqlite.importa("consegne", "cartoline.csv", contenuto + "\n")
    banco_sqlite.verifica_errori(
        esito.errori,
        [
            (2, "lettera", "lettera non presente in archivio", "9999"),
            (3, "lettera", "è una PEC: la consegna risulta dalle ricevute del gestore PEC", str(ids["PEC"])),
            (4, "lettera", "non risulta ancora inviata (stato «generata»)", str(ids["GEN"])),
            (
                5,
                "esito",
                "valore non ammesso (ammessi: consegnata, compiuta_giacenza, non_consegnata)",
                "ricevuta",
            ),
            (6, "data", "data inesistente", "31/02/2026"),
            (7, "data", "data non plausibile", "01/12/2026"),
            (8, "data", "data precedente all'invio della lettera (05/10/2026)", "01/09/2026"),
            (9, "esito", "compare alla riga 10 con un esito diverso", "consegnata"),
            (10, "esito", "compare alla riga 9 con un esito diverso", "non_consegnata"),
            (11, "raccomandata", "nessuna lettera ha questo numero di raccomandata", "99988877766"),
            (12, "esito", "la posta ordinaria non prova la consegna (Art. 6 c. 10)", "consegnata"),
            (13, "lettera", f"ha il riferimento REC-2026-{ids['R6']:06d}", rec),
            (14, "lettera", "indicare la lettera (numero o riferimento REC-AAAA-NNNNNN) oppure", ""),
            (15, "lettera", "inviata per e-mail: solo raccomandata A/R e posta", str(ids["EMAIL"])),
            (
                16,
                "lettera",
                "è dello storico: il suo esito si registra con «importa storico»",
                str(ids["STO"]),
            ),
            (17, "raccomandata", "attese da 9 a 14 cifre", "12345"),
            (18, "lettera", "atteso il numero della lettera (es. 123) o il suo riferimento", "abc"),
        ],
    )
    assert (esito.scritto, esito.scartati, esito.validi) == (False, 17, 0)
    assert banco_sqlite.fotografia() == prima
    assert banco_sqlite.righe("SELECT count(*) FROM lettere WHERE esito IS NOT NULL") == [(0,)]


def test_ogni_esito_il_suo_effetto_e_la_seconda_volta_nulla(banco: Banco) -> None:
    ids = lettere_inviate(banco)
    contenuto = INTESTAZIONE + "\n".join(
        [
            f"{ids['R1']};6146 1111 2222;consegnata;10/10/2026;",
            f"REC-2026-{ids['R2']:06d};;Compiuta giacenza;2026-10-20;",
            ";614612345678;non_consegnata;12/10/2026;destinatario sconosciuto",
            f"{ids['P1']};;non_consegnata;15/10/2026;indirizzo inesistente",
            f"{ids['R1']};;consegnata;10/10/2026;",  # the same card twice: harmless
        ]
    )
    esito = banco.importa_ok("consegne", "cartoline.csv", contenuto + "\n")
    assert (esito.nuovi, esito.aggiornati, esito.invariati, esito.scartati) == (4, 0, 1, 0)
    assert esito.scritto
    stato = stato_lettere(banco)
    assert stato[ids["R1"]] == ("consegnata", date(2026, 10, 10), "614611112222", "consegnata")
    assert stato[ids["R2"]] == ("compiuta_giacenza", date(2026, 10, 20), None, "consegnata")
    assert stato[ids["R3"]] == ("mancata_consegna", None, "614612345678", "errore_consegna")
    assert stato[ids["P1"]] == ("mancata_consegna", None, None, "errore_consegna")
    assert stato[ids["R4"]] == (None, None, None, None)

    with Session(banco.engine) as s:
        eventi = list(s.scalars(select(Evento).where(Evento.entita == "lettera").order_by(Evento.id)))
    consegne = {e.entita_id: e for e in eventi if e.cosa == "lettera.consegna"}
    assert set(consegne) == {ids["R1"], ids["R2"], ids["R3"], ids["P1"]}
    assert all(e.importazione_id == esito.importazione_id for e in consegne.values())
    assert consegne[ids["R3"]].dati["motivo"] == "destinatario sconosciuto"
    assert "Art. 6 c. 11" in consegne[ids["R3"]].perche
    assert consegne[ids["R1"]].dati["campi"]["numero_raccomandata"] == [None, "614611112222"]
    riscontri = {e.entita_id: e.dati["a"] for e in eventi if e.cosa == "lettera.riscontro"}
    assert riscontri == {
        ids["R1"]: "consegnata",
        ids["R2"]: "consegnata",
        ids["R3"]: "errore_consegna",
        ids["P1"]: "errore_consegna",
    }

    prima = banco.fotografia()
    di_nuovo = banco.importa_ok("consegne", "cartoline.csv")
    assert (di_nuovo.nuovi, di_nuovo.aggiornati, di_nuovo.invariati, di_nuovo.scritto) == (0, 0, 5, False)
    assert banco.fotografia() == prima


def test_le_regole_leggono_la_consegna(banco: Banco) -> None:
    """Art. 6 c. 10: the card's date is the notification (ruolo 3 months later); c. 11: new sending."""
    ids = lettere_inviate(banco, ("R1", "R2"))
    contenuto = (
        INTESTAZIONE + f"{ids['R1']};;consegnata;10/10/2026;\n{ids['R2']};;non_consegnata;12/10/2026;\n"
    )
    banco.importa_ok("consegne", "cartoline.csv", contenuto)
    par = Parametri.da_config(Config.model_validate(yaml.safe_load(config_iniziale())))
    with Session(banco.engine) as s:
        pratiche = {p.id_esterno: p for p in carica_pratiche(s)}
    consegnata = [x for x in pratiche["T-1"].lettere if x.canale == "raccomandata_ar" and x.notificata]
    assert [x.data_consegna for x in consegnata] == [date(2026, 10, 10)]
    assert [x.fallita for x in pratiche["B-1"].lettere] == [True]
    decisione = valuta(pratiche["T-1"], OGGI, par)
    assert "8.5" in repr(decisione) and "10/01/2027" in repr(decisione), decisione
    assert "6.11" in repr(valuta(pratiche["B-1"], OGGI, par))


def test_una_cartolina_non_smentisce_una_consegna_registrata(banco: Banco) -> None:
    ids = lettere_inviate(banco)
    banco.importa_ok(
        "consegne",
        "prima.csv",
        INTESTAZIONE + f"{ids['R1']};;consegnata;10/10/2026;\n{ids['R2']};;non_consegnata;12/10/2026;\n",
    )
    prima = banco.fotografia()
    esito = banco.importa(
        "consegne",
        "seconda.csv",
        INTESTAZIONE + f"{ids['R1']};;non_consegnata;20/10/2026;\n{ids['R1']};;non_consegnata;20/10/2026;\n"
        f"{ids['R2']};;consegnata;15/10/2026;\n",
    )
    banco.verifica_errori(
        esito.errori,
        [
            (
                2,
                "esito",
                "risulta già consegnata il 10/10/2026: una cartolina successiva non cambia",
                "non_consegnata",
            ),
            (3, "esito", "risulta già consegnata il 10/10/2026", "non_consegnata"),
        ],
    )
    assert banco.fotografia() == prima
    # the valid row goes in with --solo-validi: a signed card after a return is the stronger outcome
    esito = banco.importa("consegne", "seconda.csv", solo_validi=True)
    assert (esito.nuovi, esito.aggiornati, esito.scartati) == (0, 1, 2)
    assert stato_lettere(banco)[ids["R2"]] == ("consegnata", date(2026, 10, 15), None, "consegnata")
    assert stato_lettere(banco)[ids["R1"]] == ("consegnata", date(2026, 10, 10), None, "consegnata")


def test_numero_di_raccomandata_registrato_poi_usato(banco_sqlite: Banco) -> None:
    ids = lettere_inviate(banco_sqlite)
    banco_sqlite.importa_ok(
        "consegne",
        "numeri.json",
        f'[{{"lettera": {ids["R4"]}, "raccomandata": 614600000001, '
        '"esito": "non_consegnata", "data": "2026-10-07"}]',
    )
    esito = banco_sqlite.importa(
        "consegne",
        "altri.csv",
        INTESTAZIONE
        + ";614600000001;consegnata;09/10/2026;\n"  # found by the number recorded above
        + f"{ids['R5']};614612345678;consegnata;09/10/2026;\n"  # R3's number
        + f"{ids['R3']};614699999999;consegnata;09/10/2026;\n",  # R3 has another number
    )
    banco_sqlite.verifica_errori(
        esito.errori,
        [
            (3, "raccomandata", f"già registrato sulla lettera {ids['R3']}", "614612345678"),
            (4, "raccomandata", "ha già il numero di raccomandata 614612345678", "614699999999"),
        ],
    )
    esito = banco_sqlite.importa("consegne", "altri.csv", solo_validi=True)
    assert (esito.nuovi, esito.aggiornati, esito.scartati) == (0, 1, 2)
    assert stato_lettere(banco_sqlite)[ids["R4"]] == (
        "consegnata",
        date(2026, 10, 9),
        "614600000001",
        "consegnata",
    )


def test_colonne_rinominate(banco_sqlite: Banco) -> None:
    ids = lettere_inviate(banco_sqlite)
    mappa = {"lettera": "N. LETTERA", "esito": "ESITO AR", "data": "DATA"}
    esito = banco_sqlite.importa_ok(
        "consegne", "ar.csv", f"N. LETTERA;ESITO AR;DATA\n{ids['R1']};consegnata;10/10/2026\n", mappa=mappa
    )
    assert esito.nuovi == 1
    problemi = banco_sqlite.illeggibile("consegne", "ar2.csv", "N. LETTERA;DATA\n1;10/10/2026\n", mappa=mappa)
    assert [(p.riga, p.colonna, p.motivo) for p in problemi] == [
        (1, "ESITO AR", "colonna obbligatoria mancante")
    ]


def test_soggetti_non_toccati(banco_sqlite: Banco) -> None:
    """A card changes the letter only: credits and people stay as they were."""
    ids = lettere_inviate(banco_sqlite)
    with Session(banco_sqlite.engine) as s:
        prima = [(c.id, c.stato, c.fase) for c in s.scalars(select(Credito).order_by(Credito.id))]
        soggetti = s.scalars(select(Soggetto.id)).all()
    banco_sqlite.importa_ok("consegne", "c.csv", INTESTAZIONE + f"{ids['R1']};;consegnata;10/10/2026;\n")
    with Session(banco_sqlite.engine) as s:
        assert [(c.id, c.stato, c.fase) for c in s.scalars(select(Credito).order_by(Credito.id))] == prima
        assert s.scalars(select(Soggetto.id)).all() == soggetti
