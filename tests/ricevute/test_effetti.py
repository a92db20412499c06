"""What a batch of receipts writes (ricevute/effetti.py), on both databases: each letter's
outcome, one journal event per change, and nothing else of the letter touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import Canale, TipoLettera, TipoSoggetto
from corrispondenza.ricevute import effetti, imap
from corrispondenza.ricevute.effetti import Effetto, Letta, applica
from corrispondenza.ricevute.parser import analizza
from corrispondenza.ricevute.prove import _prova
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.ricevute import Firmatario, Invio
from corrispondenza.stato import Riscontro, StatoLettera
from corrispondenza.store import blocchi
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import CartellaImap, Evento, Lettera, RicevutaLetta, Soggetto

QUANDO = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORIGINALE = b"From: a@b.test\r\nMessage-ID: <x@asl.test>\r\n\r\nciao\r\n"
OP = Operazione("prova", QUANDO)


def _lettere(engine: Engine, n: int) -> list[tuple[int, str, str]]:
    """``n`` PEC letters ``inviata``: (id, Message-ID, address) each."""
    with sessione(engine) as s:
        soggetto = Soggetto(
            codice_fiscale="RSSMRA80A01H501U", tipo=TipoSoggetto.FISICA.value, cognome="Rossi"
        )
        s.add(soggetto)
        s.flush()
        lettere = [
            Lettera(
                origine="lotto",
                tipo=TipoLettera.SOLLECITO.value,
                canale=Canale.PEC.value,
                destinatario_id=soggetto.id,
                stato=StatoLettera.INVIATA.value,
                struttura="AUSL",
                spese=Decimal("0.00"),
                message_id=f"<lettera-{i}@asl.test>",
                indirizzo=f"debitore{i}@pec.esempio.test",
                inviata_il=QUANDO,
            )
            for i in range(n)
        ]
        s.add_all(lettere)
        s.flush()
        return [(x.id, x.message_id, x.indirizzo) for x in lettere]


def _letta(grezzo: bytes, uid: int) -> Letta:
    return Letta(analizza(grezzo), _prova(grezzo), "ufficio@pec.asl.test", "INBOX", 1, uid)


def _ricevute(firmatario: Firmatario, lettere: list[tuple[int, str, str]]) -> list[bytes]:
    """For each letter an acceptance, then for the first a delivery, for the second a full mailbox."""
    messaggi, seguiti = [], []
    for i, (_, mid, indirizzo) in enumerate(lettere):
        invio = Invio(
            "ufficio@pec.asl.test", ((indirizzo, "certificato"),), f"n. {i}", mid, f"opec.{i}@x.test"
        )
        messaggi.append(ricevute.accettazione(firmatario, invio, data=QUANDO))
        if i == 0:
            seguiti.append(
                ricevute.avvenuta_consegna(
                    firmatario,
                    invio,
                    destinatario=indirizzo,
                    data=QUANDO + timedelta(seconds=3),
                    originale=ORIGINALE,
                )
            )
        elif i == 1:
            seguiti.append(
                ricevute.errore_consegna(
                    firmatario,
                    invio,
                    destinatario=indirizzo,
                    data=QUANDO + timedelta(seconds=3),
                    errore_esteso="5.2.2 - casella piena",
                )
            )
    return messaggi + seguiti


def test_un_lotto_cambia_solo_le_colonne_dell_esito_una_volta_per_lettera(
    engine: Engine, firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch
) -> None:
    lettere = _lettere(engine, 3)
    messaggi = _ricevute(firmatario, lettere)
    consegnata_id = lettere[0][0]
    scrivi = effetti._Indice.scrivi

    def con_un_altro_che_scrive(indice: effetti._Indice, s, sql) -> None:
        # another writer, after the batch loaded its letters and before it writes them: a
        # column the receipt does not change (a delivery leaves ``risposta``) is not put back
        if consegnata_id in indice.per_id:
            s.execute(
                update(Lettera).where(Lettera.id == consegnata_id).values(risposta="scritta da un altro")
            )
        scrivi(indice, s, sql)

    with sessione(engine) as s:
        esiti = applica(s, OP, [_letta(m, i) for i, m in enumerate(messaggi[:3])])
    monkeypatch.setattr(effetti._Indice, "scrivi", con_un_altro_che_scrive)
    with sessione(engine) as s:
        esiti += applica(s, OP, [_letta(m, 3 + i) for i, m in enumerate(messaggi[3:])])
    monkeypatch.undo()
    with sessione(engine) as s:
        esiti += applica(s, OP, [_letta(messaggi[0], 9)])  # read again: the same identity
    assert esiti == [Effetto.APPLICATA] * 5 + [Effetto.DUPLICATA]
    with sessione(engine) as s:
        per_id = {x.id: x for x in s.scalars(select(Lettera))}
        eventi = list(s.scalars(select(Evento).where(Evento.cosa == "lettera.riscontro").order_by(Evento.id)))
    consegnata, piena, accettata = (per_id[i] for i, _, _ in lettere)
    assert (consegnata.riscontro, consegnata.esito) == (Riscontro.CONSEGNATA, "consegnata")
    assert consegnata.data_consegna == QUANDO.date() and consegnata.consegnata_il is not None
    assert consegnata.identificativo == "opec.0@x.test" and consegnata.risposta == "scritta da un altro"
    assert (piena.riscontro, piena.esito) == (Riscontro.ERRORE_CONSEGNA, "mancata_consegna")
    assert piena.risposta and piena.risposta.startswith("5.2.2")
    assert (accettata.riscontro, accettata.esito) == (Riscontro.ACCETTATA, None)
    assert [(e.entita_id, e.dati["a"]) for e in eventi] == [
        (consegnata.id, "accettata"),
        (piena.id, "accettata"),
        (accettata.id, "accettata"),
        (consegnata.id, "consegnata"),
        (piena.id, "errore_consegna"),
    ]
    assert {e.operatore for e in eventi} == {"prova"}


def test_una_lettera_trovata_per_msgid_e_per_identificativo_e_una_sola(
    engine: Engine, firmatario: Firmatario
) -> None:
    """The acceptance taught the identificativo; in the next batch a delivery names the msgid
    and a late error only the identificativo: both reach one letter, and precedence holds (an
    error after a delivery changes nothing)."""
    [(id_lettera, mid, indirizzo)] = _lettere(engine, 1)
    invio = Invio("ufficio@pec.asl.test", ((indirizzo, "certificato"),), "n. 0", mid, "opec.0@x.test")
    with sessione(engine) as s:
        assert applica(s, OP, [_letta(ricevute.accettazione(firmatario, invio, data=QUANDO), 1)]) == [
            Effetto.APPLICATA
        ]
    consegna = ricevute.avvenuta_consegna(
        firmatario, invio, destinatario=indirizzo, data=QUANDO, originale=ORIGINALE
    )
    senza_msgid = Invio("ufficio@pec.asl.test", ((indirizzo, "certificato"),), "n. 0", "", "opec.0@x.test")
    errore = _letta(
        ricevute.errore_consegna(
            firmatario, senza_msgid, destinatario=indirizzo, data=QUANDO, errore_esteso="5.1.1 - inesistente"
        ),
        3,
    )
    assert not errore.ricevuta.msgid and errore.ricevuta.identificativo == "opec.0@x.test"
    with sessione(engine) as s:
        assert applica(s, OP, [_letta(consegna, 2), errore]) == [Effetto.APPLICATA, Effetto.SENZA_EFFETTO]
        riga = s.execute(
            text("SELECT riscontro, esito, risposta FROM lettere WHERE id = :id"), {"id": id_lettera}
        ).one()
        eventi = s.scalars(select(Evento.dati).where(Evento.cosa == "lettera.riscontro")).all()
    assert tuple(riga) == ("consegnata", "consegnata", None)
    assert [e["a"] for e in eventi] == ["accettata", "consegnata"]


def _scritto(s) -> dict[str, list[tuple]]:
    """What the batches wrote, as the database holds it (JSON as its text, not parsed again), in
    the order written."""
    query = {
        "lettere": "SELECT id, identificativo, riscontro, esito, risposta, data_consegna, consegnata_il "
        "FROM lettere ORDER BY id",
        "ricevute": "SELECT * FROM ricevute ORDER BY id",
        "eventi": "SELECT id, quando, operatore, cosa, perche, entita, entita_id, CAST(dati AS TEXT), "
        "importazione_id FROM eventi ORDER BY id",
    }
    scritto = {nome: [tuple(r) for r in s.connection().exec_driver_sql(sql)] for nome, sql in query.items()}
    for nome in ("ricevute", "eventi"):  # a rolled back PostgreSQL sequence does not go back: no id
        scritto[nome] = [r[1:] for r in scritto[nome]]
    return scritto


def test_la_via_del_driver_scrive_quel_che_scrive_sqlalchemy(
    engine: Engine, firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's statements (``_SqlDriver``) and SQLAlchemy Core's (``_Sql``) on the same
    batches: the same rows, to the byte. Each run is rolled back, so both start alike."""
    lettere = _lettere(engine, 4)
    messaggi = _ricevute(firmatario, lettere)
    _, mid, indirizzo = lettere[3]
    esterno = Invio("ufficio@pec.asl.test", ((indirizzo, "esterno"),), "n. 3", mid, "opec.3@x.test")
    senza_msgid = Invio(
        "ufficio@pec.asl.test", ((lettere[2][2], "certificato"),), "n. 2", "", "opec.2@x.test"
    )
    messaggi[3] = ricevute.accettazione(firmatario, esterno, data=QUANDO)
    messaggi.append(
        ricevute.errore_consegna(
            firmatario, senza_msgid, destinatario=lettere[2][2], data=QUANDO, errore_esteso="5.1.1 - x"
        )
    )
    messaggi += [b"illeggibile", messaggi[0]]
    lotti = [
        [_letta(m, i) for i, m in enumerate(messaggi[:4])],
        [_letta(m, 9 + i) for i, m in enumerate(messaggi[4:])],
    ]
    monkeypatch.setattr(effetti, "adesso", lambda: QUANDO + timedelta(hours=1))

    def applica_e_leggi() -> tuple[list[str], dict[str, list[tuple]]]:
        with engine.connect() as c:
            transazione = c.begin()
            s = Session(bind=c)
            esiti = [e for lotto in lotti for e in applica(s, OP, lotto)]
            scritto = _scritto(s)
            s.close()
            transazione.rollback()
        return esiti, scritto

    assert isinstance(effetti._Sql.per(Session(engine)), effetti._SqlDriver)
    veloce = applica_e_leggi()
    monkeypatch.setattr(effetti._Sql, "per", staticmethod(lambda s: effetti._Sql()))
    generale = applica_e_leggi()
    assert veloce == generale
    esiti, scritto = veloce
    assert esiti == [Effetto.APPLICATA] * 7 + [Effetto.ILLEGGIBILE, Effetto.DUPLICATA]
    # four acceptances, the «esterno» one not notified, a delivery, two errors (one named only
    # by the identificativo learned in the first batch)
    assert len(scritto["eventi"]) == 8 and len(scritto["ricevute"]) == len(messaggi) - 1


@pytest.mark.parametrize("via", ["driver", "orm"])
def test_la_posizione_della_cartella_avanza_con_il_lotto_per_ogni_via(
    engine: Engine, firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch, via: str, tmp_path: Path
) -> None:
    """``Riconciliatore._applica`` reads and moves the folder's position with the driver's SQL,
    or (no row yet, a driver without a known placeholder) through the ORM: the same rows."""
    if via == "orm":  # the lock taken through Core too
        monkeypatch.setattr(imap, "segnaposto", lambda dialetto: None)
        monkeypatch.setattr(blocchi, "segnaposto", lambda dialetto: None)
    messaggi = _ricevute(firmatario, _lettere(engine, 2))
    pec = SimpleNamespace(indirizzo="ufficio@pec.asl.test", ca_ricevute=None, cartelle=["INBOX"])
    opzioni = SimpleNamespace(archivio="ricevute", dopo_lettura="nessuna")
    cfg = SimpleNamespace(
        config=SimpleNamespace(canali=SimpleNamespace(pec=pec), ricevute=opzioni), cartella=tmp_path
    )
    r = imap.Riconciliatore(engine, cfg, OP)  # type: ignore[arg-type]
    esito = imap.EsitoRicevute()
    r._applica("INBOX", 7, 3, [_letta(m, i) for i, m in enumerate(messaggi[:2], 1)], esito)  # no row yet
    r._applica("INBOX", 7, 3, [_letta(messaggi[2], 3)], esito)  # done meanwhile: nothing
    r._applica("INBOX", 7, 5, [_letta(messaggi[2], 4)], esito)
    r._applica("INBOX", 8, 1, [_letta(messaggi[3], 1)], esito)  # renumbered: read again from 1
    with sessione(engine) as s:
        cartelle = [
            tuple(x)
            for x in s.execute(
                select(CartellaImap.id, CartellaImap.nome, CartellaImap.uidvalidity, CartellaImap.ultimo_uid)
            )
        ]
        ricevute = s.scalars(select(RicevutaLetta.uid).order_by(RicevutaLetta.id)).all()
    assert cartelle == [(1, "INBOX", 8, 1)] and ricevute == [1, 2, 4, 1]
    assert esito.lette == 4 and esito.effetti == {Effetto.APPLICATA: 4}
