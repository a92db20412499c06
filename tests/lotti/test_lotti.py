"""User stories of the monthly cycle on both databases: plan, review, approve, cancel, contest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, func, select

from corrispondenza import lotti
from corrispondenza.config.schema import Config
from corrispondenza.contestazioni import apri_contestazione, esito_contestazione
from corrispondenza.errors import InputNonValidoError, TransizioneNonValidaError
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.regole.parametri import Parametri
from corrispondenza.stato import StatoLotto
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, eventi_di
from corrispondenza.store.tabelle import Credito, Lettera, LetteraCredito
from corrispondenza.workspace import config_iniziale

OP = Operazione("prova")
GIORNO = date(2026, 11, 30)
FILE = {
    "soggetti": (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;indirizzo;cap;comune;pec;fallimento_il\n"
        "RSSMRA85T10A562S;fisica;Rossi;Mario;;10/12/1985;Via Roma 1;40121;Bologna;;\n"
        "VRDNNA70B50A944U;fisica;Verdi;Anna;;10/02/1970;Via Po 3;40122;Bologna;anna@pec.example.it;\n"
        "09123450372;giuridica;;;Ditta & C. S.r.l.;;Via Emilia 1;40133;Bologna;;01/06/2026\n"
    ),
    "crediti": (
        "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;data_prestazione;importo\n"
        "T-1;a;TICKET;RSSMRA85T10A562S;NA/1;20/06/2026;15/06/2026;30,00\n"
        "T-2;a;TICKET;RSSMRA85T10A562S;NA/2;20/07/2026;15/07/2026;45,50\n"
        "T-3;a;TICKET;VRDNNA70B50A944U;NA/3;20/01/2026;15/01/2026;8,00\n"
        "B-1;b;BILANCIO;09123450372;FT/1;10/03/2026;01/03/2026;500,00\n"
    ),
    "storico": (
        "id_credito;lettera;data_invio;canale;data_consegna;esito\n"
        "T-3;avviso;01/06/2026;posta_ordinaria;;inviata\n"
    ),
}


@pytest.fixture
def par() -> Parametri:
    return Parametri.da_config(Config.model_validate(yaml.safe_load(config_iniziale())))


@pytest.fixture
def archivio(engine: Engine, tmp_path: Path) -> Engine:
    contesto = Contesto(oggi=date(2026, 11, 23), strutture=frozenset({"TICKET", "BILANCIO", "LEGALE"}), op=OP)
    for tipo, testo in FILE.items():
        (tmp_path / f"{tipo}.csv").write_text(testo, encoding="utf-8")
        esito = importa_file(IMPORTATORI[tipo](), tmp_path / f"{tipo}.csv", engine=engine, ctx=contesto)
        assert not esito.errori, esito.errori
    return engine


def pianifica(engine: Engine, par: Parametri, giorno: date = GIORNO) -> dict:
    with sessione(engine) as s:
        esito = lotti.pianifica(s, OP, giorno, par)
        return lotti.mostra(s, esito.lotto_id) if esito.lotto_id else {}


def test_pianifica_propone_le_lettere_dovute_e_spiega_le_altre(archivio: Engine, par: Parametri) -> None:
    dati = pianifica(archivio, par)
    lettere = {tuple(x["crediti"]): x for x in dati["lettere"]}
    avviso = lettere[("T-1", "T-2")]  # both services are 3 to 12 months old: one letter
    assert avviso["tipo"] == "avviso" and avviso["destinatario"] == {
        "codice_fiscale": "RSSMRA85T10A562S",
        "ruolo": "debitore",
    }
    sollecito = lettere[("T-3",)]  # 8,00 € but Anna has a PEC: always possible (Art. 6 c. 6)
    assert (sollecito["tipo"], sollecito["canale"], sollecito["importi"]["totale"]) == (
        "sollecito",
        "pec",
        "8.00",
    )
    esclusi = {e["credito"]: e for e in dati["esclusi"]}
    assert esclusi["B-1"]["articolo"] == "6.8"
    (fallimento,) = [x for x in dati["segnalazioni"] if x["tipo"] == "fallimento"]
    assert fallimento["crediti"] == ["B-1"] and fallimento["importi"]["totale"] == "500.00"


def test_art_5_4_il_credito_non_ancora_maturo_indica_la_data(archivio: Engine, par: Parametri) -> None:
    """On 01/10/2026: T-1 (service 15/06) is due an avviso, T-2 (service 15/07) from 15/10/2026."""
    dati = pianifica(archivio, par, date(2026, 10, 1))
    (rossi,) = [x for x in dati["lettere"] if x["destinatario"]["codice_fiscale"] == "RSSMRA85T10A562S"]
    assert rossi["crediti"] == ["T-1"] and rossi["importi"]["totale"] == "30.00"
    esclusi = {e["credito"]: e for e in dati["esclusi"]}
    assert (esclusi["T-2"]["articolo"], esclusi["T-2"]["dal"]) == ("5.4", "2026-10-15")
    assert esclusi["T-2"]["motivo"] == "avviso possibile dal 15/10/2026"


def test_ripianificare_lo_stesso_giorno_non_duplica(archivio: Engine, par: Parametri) -> None:
    primo = pianifica(archivio, par)
    assert primo["lettere"]
    assert pianifica(archivio, par) == {}  # nothing new: no second lotto
    with sessione(archivio) as s:
        assert (
            s.scalar(select(Lettera.lotto_id).where(Lettera.lotto_id.is_not(None)).distinct())
            == primo["lotto"]
        )


def test_annullare_un_lotto_rende_di_nuovo_pianificabili_i_crediti(archivio: Engine, par: Parametri) -> None:
    primo = pianifica(archivio, par)
    with sessione(archivio) as s:
        lotti.cambia_stato_lotto(s, OP, primo["lotto"], StatoLotto.ANNULLATA)
    secondo = pianifica(archivio, par)
    assert secondo["lotto"] != primo["lotto"]
    assert [x["crediti"] for x in secondo["lettere"]] == [x["crediti"] for x in primo["lettere"]]


def test_approvazione_congela_e_segnala_un_pagamento_arrivato_dopo(
    archivio: Engine, par: Parametri, tmp_path: Path
) -> None:
    dati = pianifica(archivio, par)
    with sessione(archivio) as s:
        lotti.cambia_stato_lotto(s, OP, dati["lotto"], StatoLotto.APPROVATA)
        assert eventi_di(s, "lotto", [dati["lotto"]])[-1].dati == {"da": "proposta", "a": "approvata"}
    (tmp_path / "pag.csv").write_text(
        "id_credito;data;importo;riferimento\nT-3;25/11/2026;3,00;R-9\n", encoding="utf-8"
    )
    contesto = Contesto(oggi=date(2026, 11, 26), strutture=frozenset({"TICKET"}), op=OP)
    importa_file(IMPORTATORI["pagamenti"](), tmp_path / "pag.csv", engine=archivio, ctx=contesto)
    with sessione(archivio) as s:
        dopo = lotti.mostra(s, dati["lotto"])
    (sollecito,) = [x for x in dopo["lettere"] if x["crediti"] == ["T-3"]]
    assert sollecito["stato"] == "approvata"
    assert sollecito["importi"]["principale"] == "8.00"  # frozen, not silently changed
    assert sollecito["differenze"] == [{"credito": "T-3", "congelato": "8.00", "attuale": "5.00"}]


def test_un_lotto_approvato_non_torna_proposta(archivio: Engine, par: Parametri) -> None:
    dati = pianifica(archivio, par)
    with sessione(archivio) as s:
        lotti.cambia_stato_lotto(s, OP, dati["lotto"], StatoLotto.APPROVATA)
    with pytest.raises(TransizioneNonValidaError), sessione(archivio) as s:
        lotti.cambia_stato_lotto(s, OP, dati["lotto"], StatoLotto.PROPOSTA)


def test_la_pianificazione_non_torna_indietro_nel_tempo(archivio: Engine, par: Parametri) -> None:
    pianifica(archivio, par)
    with pytest.raises(InputNonValidoError, match="precedente all'ultimo lotto"):
        pianifica(archivio, par, date(2026, 11, 1))


def test_art_5_6_contestazione_blocca_poi_respinta_riprende(archivio: Engine, par: Parametri) -> None:
    with sessione(archivio) as s:
        apri_contestazione(s, OP, "T-3", date(2026, 11, 20), "già pagato in contanti")
    dati = pianifica(archivio, par)
    esclusi = {e["credito"]: e for e in dati["esclusi"]}
    assert esclusi["T-3"]["articolo"] == "5.6"
    with sessione(archivio) as s:
        esito_contestazione(s, OP, "T-3", False, date(2026, 12, 2), "nessuna prova di pagamento")
        stato = s.scalar(select(Credito.stato).where(Credito.id_esterno == "T-3"))
    assert stato == "aperto"


def test_art_5_6_contestazione_accolta_stralcio(archivio: Engine) -> None:
    with sessione(archivio) as s:
        apri_contestazione(s, OP, "T-1", date(2026, 11, 20), "")
        esito_contestazione(s, OP, "T-1", True, date(2026, 11, 25), "prestazione esente")
        credito = s.scalar(select(Credito).where(Credito.id_esterno == "T-1"))
        assert credito.stato == "stralciato"
        assert [e.dati["a"] for e in eventi_di(s, "credito", [credito.id])] == ["contestato", "stralciato"]
    with pytest.raises(InputNonValidoError, match="non ha una contestazione aperta"), sessione(archivio) as s:
        esito_contestazione(s, OP, "T-1", False, date(2026, 11, 26), "")


def test_importi_json_stringhe_col_punto(archivio: Engine, par: Parametri) -> None:
    for lettera in pianifica(archivio, par)["lettere"]:
        assert set(lettera["importi"]) == {"principale", "interessi", "spese", "maggiorazione", "totale"}
        assert all(
            isinstance(v, str) and Decimal(v).as_tuple().exponent == -2 for v in lettera["importi"].values()
        )


def test_due_pianificazioni_contemporanee_un_solo_lotto(
    archivio: Engine, par: Parametri, database_url: str
) -> None:
    """Two clerks press enter together: the second waits for the first and proposes nothing twice."""
    import threading

    from corrispondenza.store.database import apri

    motori = [apri(database_url) for _ in range(2)]
    partenza = threading.Barrier(2, timeout=30)
    lotti_creati: list[int | None] = []
    errori: list[BaseException] = []

    def pianifica_in_parallelo(motore: Engine) -> None:
        try:
            partenza.wait()
            with sessione(motore) as s:
                lotti_creati.append(lotti.pianifica(s, OP, GIORNO, par).lotto_id)
        except BaseException as exc:  # reported below: a thread's exception would be lost
            errori.append(exc)

    fili = [threading.Thread(target=pianifica_in_parallelo, args=(m,), daemon=True) for m in motori]
    for filo in fili:
        filo.start()
    for filo in fili:
        filo.join(60)
    for motore in motori:
        motore.dispose()
    assert errori == []
    assert sorted(lotti_creati, key=lambda x: x is None) == [1, None]
    with sessione(archivio) as s:
        assert s.scalar(select(func.count()).select_from(Lettera).where(Lettera.lotto_id.is_not(None))) > 0
        doppi = s.execute(
            select(LetteraCredito.credito_id)
            .join(Lettera, Lettera.id == LetteraCredito.lettera_id)
            .where(Lettera.lotto_id.is_not(None))
            .group_by(LetteraCredito.credito_id)
            .having(func.count() > 1)
        ).all()
    assert doppi == []
