"""Fixtures of the import tests: a ``Banco`` that writes files, imports them and photographs the store.

``banco`` runs on both databases (the ``engine`` fixture of tests/conftest.py); ``banco_sqlite``
is for tests about reading files, where the database plays no part and speed matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from corrispondenza.errors import DatiNonValidiError, Problema
from corrispondenza.importa import IMPORTATORI, Contesto, EsitoImportazione, importa_file
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Base

OGGI = date(2026, 11, 23)  # the same day as OGGI in tests/conftest.py
STRUTTURE = frozenset({"TICKET", "BILANCIO", "LEGALE"})

# Valid identities (check characters computed with stdnum): see test_validazione.py.
ANAGRAFE = """\
codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;deceduto_il;indirizzo;cap;comune;provincia
RSSMRA85T10A562S;fisica;Rossi;Mario;;10/12/1985;;Via Roma 1;40121;Bologna;BO
BNCLCU15C15A944I;fisica;Bianchi;Luca;;15/03/2015;;Via Roma 1;40121;Bologna;BO
VRDGPP40E20A944J;fisica;Verdi;Giuseppe;;20/05/1940;01/06/2025;Via Po 3;40122;Bologna;BO
VRDNNA70B50A944U;fisica;Verdi;Anna;;10/02/1970;;Via Po 3;40122;Bologna;BO
VRDPLA72L07A944X;fisica;Verdi;Paolo;;07/07/1972;;Via Po 5;40122;Bologna;BO
09123450372;giuridica;;;Società & C. S.r.l.;;;Via Emilia 10;40133;Bologna;BO
"""

CREDITI = """id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;importo
T-1;a;TICKET;RSSMRA85T10A562S;F/1;01/02/2025;100,00
T-2;a;TICKET;RSSMRA85T10A562S;F/2;01/03/2025;50,25
B-1;b;BILANCIO;09123450372;F/3;15/01/2025;1.234,56
T-3;a;TICKET;BNCLCU15C15A944I;F/4;01/02/2025;30
E-1;e;TICKET;VRDGPP40E20A944J;V/1;01/02/2025;200
"""


@dataclass
class Banco:
    """A workbench for one database: files in ``cartella``, imports through ``importa_file``."""

    engine: Engine
    cartella: Path

    def contesto(self, strutture: frozenset[str] = STRUTTURE) -> Contesto:
        return Contesto(oggi=OGGI, strutture=strutture, op=Operazione("prova"))

    def file(self, nome: str, contenuto: str | bytes, encoding: str = "utf-8") -> Path:
        percorso = self.cartella / nome
        if isinstance(contenuto, bytes):
            percorso.write_bytes(contenuto)
        else:
            percorso.write_text(contenuto, encoding=encoding, newline="")
        return percorso

    def importa(
        self,
        tipo: str,
        file: Path | str,
        contenuto: str | bytes | None = None,
        *,
        encoding: str = "utf-8",
        mappa: dict[str, str] | None = None,
        solo_validi: bool = False,
    ) -> EsitoImportazione:
        """Import ``file`` (written first when ``contenuto`` is given)."""
        percorso = (
            self.file(str(file), contenuto, encoding) if contenuto is not None else self.cartella / file
        )
        return importa_file(
            IMPORTATORI[tipo](),
            percorso,
            engine=self.engine,
            ctx=self.contesto(),
            mappa_colonne=mappa,
            solo_validi=solo_validi,
        )

    def importa_ok(
        self, tipo: str, file: Path | str, contenuto: str | bytes | None = None, **kw: Any
    ) -> EsitoImportazione:
        esito = self.importa(tipo, file, contenuto, **kw)
        assert esito.errori == [], [str(p) for p in esito.errori]
        return esito

    def illeggibile(
        self, tipo: str, file: Path | str, contenuto: str | bytes | None = None, **kw: Any
    ) -> list[Problema]:
        """The problems of a file refused as a whole (unreadable, no rows, missing columns)."""
        with pytest.raises(DatiNonValidiError) as info:
            self.importa(tipo, file, contenuto, **kw)
        assert info.value.problemi
        return info.value.problemi

    @staticmethod
    def verifica_errori(
        problemi: list[Problema], attesi: list[tuple[int | None, str | None, str, str | None]]
    ) -> None:
        """Exactly these problems, in this order: (riga, colonna, a telling piece of the reason, valore)."""
        elenco = "\n".join(str(p) for p in problemi)
        assert len(problemi) == len(attesi), elenco
        for p, (riga, colonna, frammento, valore) in zip(problemi, attesi, strict=True):
            assert (p.riga, p.colonna) == (riga, colonna), elenco
            assert frammento in p.motivo, elenco
            assert p.valore == valore, elenco

    def base(self, *, crediti: bool = True) -> None:
        """The standard anagrafe (and credits) most tests start from."""
        self.importa_ok("soggetti", "anagrafe.csv", ANAGRAFE)
        if crediti:
            self.importa_ok("crediti", "crediti.csv", CREDITI)

    def fotografia(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in primary-key order: the whole state of the store."""
        foto: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as c:
            for tabella in Base.metadata.sorted_tables:
                ordine = list(tabella.primary_key.columns)
                foto[tabella.name] = [tuple(r) for r in c.execute(select(tabella).order_by(*ordine))]
        return foto

    def conta(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return {
                t.name: c.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables
            }

    def righe(self, sql: str, **parametri: Any) -> list[tuple[Any, ...]]:
        with self.engine.connect() as c:
            return [tuple(r) for r in c.execute(text(sql), parametri)]


@pytest.fixture
def banco(engine: Engine, tmp_path: Path) -> Banco:
    """Runs on SQLite and on PostgreSQL."""
    return Banco(engine, tmp_path)


@pytest.fixture
def banco_sqlite(tmp_path: Path) -> Iterator[Banco]:
    motore = apri(f"sqlite:///{tmp_path / 'lettura.db'}")
    yield Banco(motore, tmp_path)
    motore.dispose()
