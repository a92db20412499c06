"""The store on SQLite and on a real PostgreSQL: schema, exact money, journal, one place for state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from corrispondenza.errors import TransizioneNonValidaError
from corrispondenza.stato import FaseCredito, StatoCredito
from corrispondenza.store.database import alembic_config, apri, migra, sessione
from corrispondenza.store.giornale import Operazione, avanza_fase, cambia_stato, eventi_di, registra
from corrispondenza.store.tabelle import Credito, Evento, Soggetto

TABELLE = {
    "soggetti",
    "relazioni",
    "crediti",
    "pagamenti",
    "lettere",
    "lettere_crediti",
    "eventi",
    "importazioni",
    "alembic_version",
}
OP = Operazione("prova")


def un_credito(s, importo: Decimal = Decimal("12.34"), id_esterno: str = "T-1") -> Credito:
    soggetto = s.scalar(select(Soggetto).where(Soggetto.codice_fiscale == "RSSMRA85T10A562S"))
    if soggetto is None:
        soggetto = Soggetto(codice_fiscale="RSSMRA85T10A562S", tipo="fisica", cognome="Rossi", nome="Mario")
        s.add(soggetto)
    credito = Credito(
        id_esterno=id_esterno,
        struttura="TICKET",
        tipo="a",
        soggetto=soggetto,
        data_documento=date(2026, 1, 10),
        importo=importo,
        stato=StatoCredito.APERTO,
        fase=FaseCredito.RILEVAZIONE,
    )
    s.add(credito)
    s.flush()
    return credito


def test_le_migrazioni_creano_tutte_le_tabelle(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABELLE


def test_riaprire_il_database_non_rifa_le_migrazioni(engine: Engine, database_url: str) -> None:
    with sessione(engine) as s:
        un_credito(s)
    apri(database_url).dispose()
    with sessione(engine) as s:
        assert s.scalar(select(Credito.id_esterno)) == "T-1"
        testa = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert s.execute(text("select version_num from alembic_version")).scalar() == testa


def test_migrazione_reversibile(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connessione:
        config.attributes["connection"] = connessione
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migra(engine)
    assert set(inspect(engine).get_table_names()) >= TABELLE


@pytest.mark.parametrize("importo", ["0.01", "10.33", "1234.56", "99999999.99"])
def test_importi_esatti_al_centesimo(engine: Engine, importo: str) -> None:
    with sessione(engine) as s:
        un_credito(s, Decimal(importo))
    with sessione(engine) as s:
        letto = s.scalar(select(Credito.importo))
    assert letto == Decimal(importo) and str(letto) == importo


def test_importo_con_tre_decimali_rifiutato_dallo_store(engine: Engine) -> None:
    with pytest.raises(Exception, match="più di due decimali"), sessione(engine) as s:
        un_credito(s, Decimal("1.005"))


def test_id_credito_unico_per_struttura(engine: Engine) -> None:
    with pytest.raises(IntegrityError), sessione(engine) as s:
        un_credito(s)
        un_credito(s)


def test_giornale_solo_in_aggiunta(engine: Engine) -> None:
    """DESIGN.md: the journal is evidence; triggers forbid UPDATE and DELETE on both databases."""
    with sessione(engine) as s:
        registra(s, OP, cosa="prova", perche="perché sì", entita="credito", entita_id=1)
    for istruzione in ("UPDATE eventi SET perche = 'altro'", "DELETE FROM eventi"):
        with pytest.raises((IntegrityError, DBAPIError), match="sola aggiunta"), engine.begin() as c:
            c.execute(text(istruzione))
    with sessione(engine) as s:
        assert s.scalar(select(Evento.perche)) == "perché sì"


def test_cambio_di_stato_scrive_il_giornale(engine: Engine) -> None:
    with sessione(engine) as s:
        credito = un_credito(s)
        cambia_stato(s, OP, credito, StatoCredito.CONTESTATO, "contestazione del debitore")
        cambia_stato(s, OP, credito, StatoCredito.STRALCIATO, "contestazione accolta (Art. 5 c. 6)")
    with sessione(engine) as s:
        eventi = eventi_di(s, "credito", [credito.id])
        assert [(e.dati["da"], e.dati["a"]) for e in eventi] == [
            ("aperto", "contestato"),
            ("contestato", "stralciato"),
        ]
        assert all(e.operatore == "prova" for e in eventi)
        assert s.get(Credito, credito.id).stato == StatoCredito.STRALCIATO


def test_transizione_non_ammessa_rifiutata(engine: Engine) -> None:
    with sessione(engine) as s:
        credito = un_credito(s)
        cambia_stato(s, OP, credito, StatoCredito.STRALCIATO, "stralcio")
        with pytest.raises(TransizioneNonValidaError, match="stralciato"):
            cambia_stato(s, OP, credito, StatoCredito.APERTO, "ripensamento")


def test_la_fase_non_torna_indietro(engine: Engine) -> None:
    """Art. 3: an older avviso imported after a sollecito leaves the credit at the sollecito."""
    with sessione(engine) as s:
        credito = un_credito(s)
        assert avanza_fase(s, OP, credito, FaseCredito.SOLLECITO, "sollecito")
        assert not avanza_fase(s, OP, credito, FaseCredito.AVVISO, "avviso più vecchio")
        assert credito.fase == FaseCredito.SOLLECITO
        assert len(eventi_di(s, "credito", [credito.id])) == 1


def test_sqlite_in_modalita_wal_con_chiavi_esterne(tmp_path) -> None:
    motore = apri(f"sqlite:///{tmp_path / 'wal.db'}")
    with motore.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    motore.dispose()


def test_migrazione_di_un_archivio_popolato_alla_versione_nuova(database_url: str) -> None:
    """An office's 0001 database with letters keeps them all after the upgrade (SQLite rebuilds
    the altered tables: foreign keys must survive, and a failure must roll everything back)."""
    motore = apri(database_url, migra_subito=False)
    migra(motore, "0001")
    with motore.begin() as c:
        c.execute(
            text(
                "insert into soggetti (codice_fiscale, tipo, fallito) "
                "values ('RSSMRA85T10A562S', 'fisica', false)"
            )
        )
        c.execute(
            text(
                "insert into crediti (id_esterno, struttura, tipo, soggetto_id, importo, stato, fase) "
                "values ('T-1', 'TICKET', 'a', 1, 1234, 'aperto', 'avviso')"
            )
        )
        c.execute(
            text(
                "insert into lettere (origine, id_esterno, tipo, canale, destinatario_id, spese) "
                "values ('storico', 'S-1', 'avviso', 'posta_ordinaria', 1, 0)"
            )
        )
        c.execute(text("insert into lettere_crediti (lettera_id, credito_id) values (1, 1)"))
    migra(motore)
    with motore.connect() as c:
        assert c.execute(text("select count(*) from lettere_crediti")).scalar() == 1
        assert c.execute(text("select id_esterno, lotto_id from lettere")).one() == ("S-1", None)
    motore.dispose()
