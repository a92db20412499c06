"""Big imports validated in other processes while the parent writes (``importa/flusso.py``).

The promise: for a valid file, the very rows, ids, counts and journal of the ordinary path;
for anything else (an error in a late part, a key repeated across parts, a cut inside a
quoted cell, a validator that dies) nothing of the fast path is left and the ordinary path
reports the file as it always has. Every test runs the same imports twice, on two fresh
databases, the fast way and the ordinary way, and compares the whole store
(``Banco.fotografia``); a spy checks which way each import actually went.
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from corrispondenza.campione import Campione, genera_campione, scrivi_campione
from corrispondenza.errors import DatiNonValidiError
from corrispondenza.importa import IMPORTATORI, Contesto, EsitoImportazione, flusso, importa_file
from corrispondenza.importa.lettura import CsvGrande, leggi_tabella
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Base
from tests.conftest import nuovo_database_postgres
from tests.importa.conftest import OGGI, STRUTTURE, Banco

QUANDO = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def due_banchi(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Banco, Banco]]:
    """Two empty stores of the same kind: one for the fast path, one for the ordinary one."""
    if request.param == "sqlite":
        url = [f"sqlite:///{tmp_path / f'{nome}.db'}" for nome in ("veloce", "ordinario")]
    else:
        server = request.getfixturevalue("postgres_server")
        url = [nuovo_database_postgres(server), nuovo_database_postgres(server)]
    motori = [apri(u) for u in url]
    cartelle = [tmp_path / "veloce", tmp_path / "ordinario"]
    for c in cartelle:
        c.mkdir()
    yield Banco(motori[0], cartelle[0]), Banco(motori[1], cartelle[1])
    for m in motori:
        m.dispose()


@pytest.fixture
def vie(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Small thresholds so a few thousand rows make many parts; records which way each import went."""
    monkeypatch.setattr(flusso, "RIGHE_MINIME", 500)
    monkeypatch.setattr(flusso, "PARTE", 300)
    monkeypatch.setattr(flusso, "PRIME_PARTI", (30, 60, 150))
    vie: list[str] = []
    originale = flusso.importa

    def spia(*args: Any, **kwargs: Any) -> EsitoImportazione | None:
        esito = originale(*args, **kwargs)
        vie.append("veloce" if esito is not None else "ripiego")
        return esito

    monkeypatch.setattr(flusso, "importa", spia)
    return vie


@pytest.fixture(scope="module")
def campione() -> Campione:
    return genera_campione(3000, seed=11, oggi=OGGI)


def _importa(banco: Banco, tipo: str, percorso: Path, *, solo_validi: bool = False) -> EsitoImportazione:
    ctx = Contesto(oggi=OGGI, strutture=STRUTTURE, op=Operazione("prova", quando=QUANDO))
    return importa_file(IMPORTATORI[tipo](), percorso, engine=banco.engine, ctx=ctx, solo_validi=solo_validi)


def _in_entrambi(
    banchi: tuple[Banco, Banco],
    monkeypatch: pytest.MonkeyPatch,
    passi: Callable[[Banco], list[Any]],
    vie: list[str],
) -> tuple[list[Any], list[Any]]:
    """Run ``passi`` on the first store the fast way, on the second the ordinary way: the same
    store after. PostgreSQL's sequences are not transactional, so after a fast attempt rolled
    back its ids go on from where the attempt left them: there the rows are compared without
    their ids."""
    veloce = passi(banchi[0])
    with monkeypatch.context() as m:
        m.setattr(flusso, "puo", lambda importatore: False)
        ordinario = passi(banchi[1])
    if "ripiego" in vie and banchi[0].engine.dialect.name == "postgresql":
        assert _senza_id(banchi[0]) == _senza_id(banchi[1])
    else:
        assert banchi[0].fotografia() == banchi[1].fotografia()
    return veloce, ordinario


def _senza_id(banco: Banco) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table without the surrogate keys (``id``, ``*_id``), sorted."""
    foto = {}
    with banco.engine.connect() as c:
        for tabella in Base.metadata.sorted_tables:
            colonne = [col for col in tabella.columns if col.name != "id" and not col.name.endswith("_id")]
            foto[tabella.name] = sorted((tuple(r) for r in c.execute(select(*colonne))), key=repr)
    return foto


def _esito(e: EsitoImportazione) -> tuple[Any, ...]:
    return (e.nuovi, e.aggiornati, e.invariati, e.scartati, e.scritto, e.come_json()["errori"])


def _scrivi(cartella: Path, nome: str, righe: list[dict[str, str]]) -> Path:
    percorso = cartella / nome
    with percorso.open("w", encoding="utf-8", newline="") as f:
        scrittore = csv.DictWriter(f, fieldnames=list(righe[0]), delimiter=";", lineterminator="\n")
        scrittore.writeheader()
        scrittore.writerows(righe)
    return percorso


def test_file_validi_stesse_righe_id_conteggi_e_giornale_della_via_ordinaria(
    due_banchi: tuple[Banco, Banco], vie: list[str], monkeypatch: pytest.MonkeyPatch, campione: Campione
) -> None:
    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        return [_esito(_importa(banco, tipo, file[tipo])) for tipo in ("soggetti", "crediti")]

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["veloce", "veloce"]
    assert veloce == ordinario
    assert veloce[1][:5] == (len(campione.crediti), 0, 0, 0, True)
    assert due_banchi[0].righe("select count(*) from crediti") == [(len(campione.crediti),)]


def test_reimportare_non_cambia_nulla_e_le_rettifiche_sono_registrate_come_di_consueto(
    due_banchi: tuple[Banco, Banco], vie: list[str], monkeypatch: pytest.MonkeyPatch, campione: Campione
) -> None:
    """The monthly case: most rows already stored, some changed (Art. 4 c. 4: exact identity)."""
    crediti = [dict(r) for r in campione.crediti]
    for r in crediti[100:3000:400]:
        r["importo"] = "999,99"
    soggetti = [dict(r) for r in campione.soggetti]
    for r in soggetti[50:2000:300]:
        r["indirizzo"] = "Via Nuova 1"

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        esiti = [_esito(_importa(banco, tipo, file[tipo])) for tipo in ("soggetti", "crediti")]
        esiti += [_esito(_importa(banco, tipo, file[tipo])) for tipo in ("soggetti", "crediti")]
        esiti.append(_esito(_importa(banco, "soggetti", _scrivi(banco.cartella, "s2.csv", soggetti))))
        esiti.append(_esito(_importa(banco, "crediti", _scrivi(banco.cartella, "c2.csv", crediti))))
        return esiti

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["veloce"] * 6
    assert veloce == ordinario
    assert veloce[2][:5] == (0, 0, len(campione.soggetti), 0, False)  # the same file again: nothing
    assert veloce[4][:2] == (0, len(soggetti[50:2000:300]))
    assert veloce[5][:2] == (0, len(crediti[100:3000:400]))
    rettifiche = due_banchi[0].righe("select count(*) from eventi where cosa = 'credito.rettificato'")
    assert rettifiche == [(len(crediti[100:3000:400]),)]


def test_un_errore_in_una_parte_tarda_e_riportato_come_dalla_via_ordinaria_e_nulla_e_scritto(
    due_banchi: tuple[Banco, Banco], vie: list[str], monkeypatch: pytest.MonkeyPatch, campione: Campione
) -> None:
    crediti = [dict(r) for r in campione.crediti]
    crediti[2500]["importo"] = "12,345"
    crediti[2900]["struttura"] = "ECONOMATO"

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        _importa(banco, "soggetti", file["soggetti"])
        prima = banco.fotografia()
        esito = _importa(banco, "crediti", _scrivi(banco.cartella, "c.csv", crediti))
        assert banco.fotografia() == prima
        return [_esito(esito)]

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["veloce", "ripiego"]
    assert veloce == ordinario
    assert [(e["riga"], e["colonna"]) for e in veloce[0][5]] == [(2502, "importo"), (2902, "struttura")]


def test_solo_validi_con_errori_scrive_le_righe_valide_come_la_via_ordinaria(
    due_banchi: tuple[Banco, Banco], vie: list[str], monkeypatch: pytest.MonkeyPatch, campione: Campione
) -> None:
    crediti = [dict(r) for r in campione.crediti]
    crediti[1700]["data_documento"] = "31/02/2025"

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        _importa(banco, "soggetti", file["soggetti"])
        esito = _importa(banco, "crediti", _scrivi(banco.cartella, "c.csv", crediti), solo_validi=True)
        return [_esito(esito)]

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["veloce", "ripiego"]
    assert veloce == ordinario
    assert veloce[0][:5] == (len(crediti) - 1, 0, 0, 1, True)


@pytest.mark.parametrize("distanza", [1, 2, 5])
def test_una_chiave_ripetuta_tra_parti_diverse_e_riportata_su_entrambe_le_righe(
    due_banchi: tuple[Banco, Banco],
    vie: list[str],
    monkeypatch: pytest.MonkeyPatch,
    campione: Campione,
    distanza: int,
) -> None:
    """The two rows in parts of the same validator or of different ones (rows 5 and 305 or 1505:
    different; 605: the same, with the test's part sizes): caught either way, for a new key
    (the unique index) and for one already stored (the parent's check)."""
    soggetti = [dict(r) for r in campione.soggetti]
    soggetti.append(dict(soggetti[10 + 300 * distanza]))  # a stored code again, far below
    crediti = [dict(r) for r in campione.crediti]
    crediti[5 + 300 * distanza]["id_credito"] = crediti[5]["id_credito"]
    crediti[5 + 300 * distanza]["struttura"] = crediti[5]["struttura"]

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        esiti = [_esito(_importa(banco, "soggetti", file["soggetti"]))]
        esiti.append(_esito(_importa(banco, "soggetti", _scrivi(banco.cartella, "s.csv", soggetti))))
        esiti.append(_esito(_importa(banco, "crediti", _scrivi(banco.cartella, "c.csv", crediti))))
        return esiti

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["veloce", "ripiego", "ripiego"]
    assert veloce == ordinario
    assert [e["colonna"] for e in veloce[1][5]] == ["codice_fiscale", "codice_fiscale"]
    assert [e["riga"] for e in veloce[2][5]] == [7, 7 + 300 * distanza]


def test_celle_tra_virgolette_con_a_capo_sui_tagli_danno_le_stesse_righe(
    due_banchi: tuple[Banco, Banco], vie: list[str], monkeypatch: pytest.MonkeyPatch, campione: Campione
) -> None:
    """Descriptions over several lines: some cuts fall inside quotes; the strict reader notices,
    and the file is read whole. The rows stored are the same either way."""
    crediti = [dict(r) for r in campione.crediti]
    for i, r in enumerate(crediti):
        r["descrizione"] = f'Prestazione {i}\nseconda riga; con il separatore\n\n"citata"'

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        _importa(banco, "soggetti", file["soggetti"])
        return [_esito(_importa(banco, "crediti", _scrivi(banco.cartella, "c.csv", crediti)))]

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert veloce == ordinario
    assert veloce[0][:5] == (len(crediti), 0, 0, 0, True)
    descrizioni = due_banchi[0].righe("select descrizione from crediti order by id")
    assert descrizioni == [(r["descrizione"],) for r in crediti]


def test_i_tagli_dentro_le_virgolette_sono_rifiutati_dal_lettore(tmp_path: Path) -> None:
    """What the fast path rests on: a part cut inside a quoted cell ends inside quotes."""
    righe = [f'{i};"riga {i}\nancora {i}"' for i in range(2000)]
    percorso = tmp_path / "v.csv"
    percorso.write_text("a;b\n" + "\n".join(righe) + "\n", encoding="utf-8")
    grande = leggi_tabella(percorso, grande_a_parti=100)
    assert isinstance(grande, CsvGrande)
    esiti = []
    for inizio, fine in grande.parti(37):
        try:
            esiti.append(grande.righe_tra(inizio, fine)[-1][1])
        except csv.Error:
            esiti.append(None)
    assert None in esiti  # some cuts fell inside quotes: refused
    assert all(r is None or r[1].startswith("riga ") for r in esiti)  # the others end on a whole row
    assert [campi for _, campi in grande.righe] == [[str(i), f"riga {i}\nancora {i}"] for i in range(2000)]


def test_parti_ricompongono_il_file_esattamente(tmp_path: Path, campione: Campione) -> None:
    file = scrivi_campione(campione, tmp_path)
    grande = leggi_tabella(file["soggetti"], grande_a_parti=100)
    intera = leggi_tabella(file["soggetti"])
    assert isinstance(grande, CsvGrande) and not isinstance(intera, CsvGrande)
    assert grande.intestazione == intera.intestazione and grande.separatore == intera.separatore
    parti = grande.parti(250)
    assert parti[0][0] == grande.inizio and parti[-1][1] == len(grande.testo)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parti))
    assert [c for p in parti for _, c in grande.righe_tra(*p)] == [c for _, c in intera.righe]
    assert grande.righe == intera.righe  # read whole when asked: the ordinary numbering


@pytest.mark.parametrize("come", ["eccezione", "morte"])
def test_un_validatore_che_fallisce_o_muore_lascia_la_via_ordinaria(
    due_banchi: tuple[Banco, Banco],
    vie: list[str],
    monkeypatch: pytest.MonkeyPatch,
    campione: Campione,
    come: str,
) -> None:
    originale = flusso._parte
    chiamate = {"n": 0}

    def guasta(*args: Any, **kwargs: Any) -> Any:
        chiamate["n"] += 1
        if chiamate["n"] == 3:  # the third part of one validator (in the forked child)
            if come == "morte":
                os._exit(9)
            raise RuntimeError("guasto di prova")
        return originale(*args, **kwargs)

    def passi(banco: Banco) -> list[Any]:
        file = scrivi_campione(campione, banco.cartella)
        with monkeypatch.context() as m:
            m.setattr(flusso, "_parte", guasta)
            return [_esito(_importa(banco, tipo, file[tipo])) for tipo in ("soggetti", "crediti")]

    veloce, ordinario = _in_entrambi(due_banchi, monkeypatch, passi, vie)

    assert vie == ["ripiego", "ripiego"]
    assert veloce == ordinario
    assert veloce[1][:5] == (len(campione.crediti), 0, 0, 0, True)


def test_virgolette_non_chiuse_in_un_file_grande_sono_rifiutate_come_sempre(
    tmp_path: Path, vie: list[str], campione: Campione
) -> None:
    banco = Banco(apri(f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    file = scrivi_campione(campione, tmp_path)
    _importa(banco, "soggetti", file["soggetti"])
    prima = banco.fotografia()
    testo = file["crediti"].read_text(encoding="utf-8")
    righe = testo.split("\n")
    righe[2000] = righe[2000].replace(";", ';"', 1)
    rotto = tmp_path / "rotto.csv"
    rotto.write_text("\n".join(righe), encoding="utf-8")

    with pytest.raises(DatiNonValidiError) as info:
        _importa(banco, "crediti", rotto)

    assert "virgolette non chiuse" in info.value.problemi[0].motivo
    assert vie == ["veloce", "ripiego"]
    assert banco.fotografia() == prima
    banco.engine.dispose()


def test_file_piccoli_json_e_xlsx_seguono_la_via_ordinaria(tmp_path: Path, campione: Campione) -> None:
    file = scrivi_campione(campione, tmp_path)
    assert not isinstance(leggi_tabella(file["crediti"], grande_a_parti=20_000), CsvGrande)
    assert isinstance(leggi_tabella(file["crediti"], grande_a_parti=100), CsvGrande)
    json_file = tmp_path / "c.json"
    json_file.write_text('[{"id_credito": "1"}]' + " " * 10, encoding="utf-8")
    assert not isinstance(leggi_tabella(json_file, grande_a_parti=0), CsvGrande)
    virgolette = tmp_path / "q.csv"
    virgolette.write_text('"id_credito";"tipo"\n' + "1;a\n" * 200, encoding="utf-8")
    assert not isinstance(leggi_tabella(virgolette, grande_a_parti=100), CsvGrande)


def test_engine_non_toccato_dal_figlio(
    due_banchi: tuple[Banco, Banco], vie: list[str], campione: Campione
) -> None:
    """After a fast import the same engine goes on working (the children closed nothing of it)."""
    banco = due_banchi[0]
    file = scrivi_campione(campione, banco.cartella)
    _importa(banco, "soggetti", file["soggetti"])
    _importa(banco, "crediti", file["crediti"])
    motore: Engine = banco.engine
    with motore.begin() as c:
        c.exec_driver_sql("UPDATE crediti SET descrizione = 'x' WHERE id = 1")
    assert banco.righe("select descrizione from crediti where id = 1") == [("x",)]
    assert vie == ["veloce", "veloce"]
