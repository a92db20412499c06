"""Big imports validated in other processes while this one writes.

Validating 100 000 rows costs more than inserting them (bench/importazione.py), and the two
can overlap: forked validators take the parts of the file in turn and run on each the very
same code as the ordinary path (``valida_righe``, ``verifica_insieme``, ``pianifica``), then
turn its new rows into the driver's parameter tuples (``Inserimento.righe``); the parent,
which holds the transaction, the import lock and the connection, inserts each part, in file
order, while the validators work on the next ones.

The promise of the ordinary path still holds: nothing is written unless the whole file is
valid. Everything goes inside a savepoint, and a validator gives up at the first thing that
is not a clean pass (a row with a problem, anything it cannot do); a key repeated in the file
is caught by the parent (rows already stored) or by the table's unique index (new rows). The
parent then rolls the savepoint back and ``motore`` imports the file again the ordinary way,
which reports it exactly as it always has. A validator that dies is one that gives up. So
this path only has to be right for valid files, and for them it gives the same rows, ids,
counts and journal as the ordinary path (tests/importa/test_flusso.py).

A validator never touches the database: it inherits the loaded archive (``carica``) and the
dialect by ``fork`` and talks to the parent through a pipe; it ends with ``os._exit``, so
nothing inherited (the connection above all) is closed or flushed by it.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import traceback
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from corrispondenza.importa.colonnare import Record
from corrispondenza.importa.lettura import CsvGrande, Tabella
from corrispondenza.importa.motore import (
    Contesto,
    EsitoImportazione,
    Intestazione,
    completa_importazione,
    costruisci_righe,
    crea_importazione,
    valida_righe,
)
from corrispondenza.importa.piano import Piano
from corrispondenza.importa.tabella import ImportatoreTabella
from corrispondenza.store.database import Inserimento
from corrispondenza.store.tabelle import Importazione

RIGHE_MINIME = 20_000
"""Below this a file is validated in well under a second: more processes are not worth it."""

PARTE = 5_000
"""Rows per part: small enough for the writer to start early, big enough to amortise a message."""

PRIME_PARTI = (PARTE // 10, PARTE // 5, PARTE // 2)
"""The first parts are smaller: the writer starts as soon as possible and then never waits."""

VALIDATORI = 2
"""Processes validating (the parts go to them in turn): together they keep pace with the writer."""

Aggiornato = tuple[dict[str, Any], dict[str, tuple[Any, Any]]]


def puo(importatore: Any) -> bool:
    """An import kind that says it can (``in_due_processi``), on a system that forks."""
    return isinstance(importatore, ImportatoreTabella) and importatore.in_due_processi and hasattr(os, "fork")


def applicabile(importatore: Any, tabella: Tabella | CsvGrande) -> bool:
    """A big CSV (``leggi_tabella`` gave its rows unparsed) of such an import kind."""
    return puo(importatore) and isinstance(tabella, CsvGrande)


@dataclass
class _Parte:
    """One part of the file, validated and planned: its new rows ready for the driver, the rest."""

    nomi: tuple[str, ...]
    righe: list[tuple[Any, ...]]
    esistenti: list[Any]
    """Keys of the rows already stored (updated or unchanged): unique across parts, checked by the
    parent; a new row's key is unique because the table's unique index refuses a second one."""
    aggiornati: list[Aggiornato]
    invariati: int


class _Rinuncia(Exception):
    """A validator stops: the file must go the ordinary way (the reason is for maintainers)."""


def importa(
    s: Session,
    importatore: ImportatoreTabella,
    tabella: CsvGrande,
    intestazione: Intestazione,
    percorso: Path,
    ctx: Contesto,
) -> EsitoImportazione | None:
    """Import a valid file while it is validated; ``None`` (nothing written) if it is not valid."""
    punto = s.begin_nested()
    connessione = s.connection()
    parti = tabella.parti(PARTE, prime=PRIME_PARTI)
    contesto = multiprocessing.get_context("fork")
    riceventi, figli = [], []
    for n in range(VALIDATORI):
        ricevente, mittente = contesto.Pipe(duplex=False)
        figlio = contesto.Process(
            target=_validatore,
            args=(mittente, importatore, tabella, intestazione, ctx, connessione.dialect),
            kwargs={"parti": parti[n::VALIDATORI]},
            name=f"corrispondenza-importa-{n}",
            daemon=True,
        )
        figlio.start()
        mittente.close()
        riceventi.append(ricevente)
        figli.append(figlio)
    impronta = hashlib.sha256(percorso.read_bytes()).hexdigest()  # while the first part is validated
    scrittore = _Scrittore(s, importatore, percorso, ctx, impronta)
    piano: Piano[dict[str, Any]] | None = None
    try:
        piano = scrittore.scrivi_parti(riceventi, len(parti))
    except DBAPIError:  # a new key repeated in the file, refused by the unique index
        piano = None
    finally:
        for ricevente in riceventi:
            ricevente.close()
        for figlio in figli:
            if figlio.is_alive():
                figlio.terminate()
            figlio.join()
    if piano is None:
        punto.rollback()
        return None
    esito = scrittore.esito(tabella.nome_file, piano)
    if piano.vuoto and not esito.nuovi:  # nothing changes: nothing was written, not even the record
        punto.rollback()
        return esito
    registro = scrittore.registro()
    esito.importazione_id = completa_importazione(s, registro, esito, ctx.op)
    importatore.scrivi_aggiornati(s, piano, ctx, registro.id)
    punto.commit()
    esito.scritto = True
    return esito


class _Scrittore:
    """The parent's side: the import's record when there is something to write, the inserts."""

    def __init__(
        self, s: Session, importatore: ImportatoreTabella, percorso: Path, ctx: Contesto, impronta: str
    ) -> None:
        self.s = s
        self.importatore = importatore
        self.percorso = percorso
        self.ctx = ctx
        self.impronta = impronta
        """The file's sha256 for the import's record."""
        self.nuovi = 0
        self._registro: Importazione | None = None
        self._inserimenti: dict[tuple[str, ...], Inserimento] = {}

    def registro(self) -> Importazione:
        """Created before the first row it marks, as on the ordinary path (the same id)."""
        if self._registro is None:
            self._registro = crea_importazione(
                self.s, self.percorso, self.importatore.tipo, self.ctx.op, sha256=self.impronta
            )
        return self._registro

    def scrivi_parti(self, riceventi: list[Any], n_parti: int) -> Piano[dict[str, Any]] | None:
        """Insert the new rows part by part, in file order (so the ids are the ordinary path's);
        the plan of the rows already stored, or ``None`` if a validator gave up or a key repeats."""
        piano: Piano[dict[str, Any]] = Piano()
        esistenti: set[Any] = set()
        for i in range(n_parti):
            try:
                parte = riceventi[i % len(riceventi)].recv()
            except EOFError:  # the validator died
                return None
            if not isinstance(parte, _Parte):
                return None
            if parte.righe:
                self._inserisci(parte)
            esistenti.update(parte.esistenti)
            piano.aggiornati += parte.aggiornati
            piano.invariati += parte.invariati
        if len(esistenti) != len(piano.aggiornati) + piano.invariati:  # a stored row twice in the file
            return None
        return piano

    def _inserisci(self, parte: _Parte) -> None:
        inserimento = self._inserimenti.get(parte.nomi)
        if inserimento is None:
            costanti = self.importatore.costanti(self.registro().id)
            inserimento = Inserimento(
                self.s.connection().dialect, self.importatore.tabella, parte.nomi, costanti
            )
            self._inserimenti[parte.nomi] = inserimento
        inserimento.esegui(self.s.connection(), inserimento.con_costanti(parte.righe))
        self.nuovi += len(parte.righe)

    def esito(self, nome_file: str, piano: Piano[dict[str, Any]]) -> EsitoImportazione:
        return EsitoImportazione(
            tipo=self.importatore.tipo,
            file=nome_file,
            nuovi=self.nuovi,
            aggiornati=len(piano.aggiornati),
            invariati=piano.invariati,
        )


def _validatore(
    mittente: Any,
    importatore: ImportatoreTabella,
    tabella: CsvGrande,
    intestazione: Intestazione,
    ctx: Contesto,
    dialetto: Any,
    *,
    parti: list[tuple[int, int]],
) -> None:
    """A validator: validate and plan its parts, send each one; give up at the first doubt."""
    codice = 0
    try:
        inserimenti: dict[tuple[str, ...], Inserimento] = {}
        for inizio, fine in parti:
            righe = tabella.righe_tra(inizio, fine)  # csv.Error if the cut was inside quotes
            mittente.send(_parte(importatore, tabella, righe, intestazione, ctx, dialetto, inserimenti))
    except _Rinuncia as rinuncia:
        with contextlib.suppress(OSError):  # the parent may have stopped listening
            mittente.send(rinuncia)
    except BaseException:  # anything at all: the parent imports the ordinary way, which will say it
        codice = 1
        with contextlib.suppress(BaseException):  # the parent may be gone: nobody to tell then
            mittente.send(_Rinuncia(traceback.format_exc()))
    finally:
        os._exit(codice)  # nothing inherited is closed or flushed here (the database connection)


def _parte(
    importatore: ImportatoreTabella,
    tabella: CsvGrande,
    righe_file: list[Any],
    intestazione: Intestazione,
    ctx: Contesto,
    dialetto: Any,
    inserimenti: dict[tuple[str, ...], Inserimento],
) -> _Parte:
    """Some rows validated as the ordinary path does, planned, the new ones converted."""
    righe, _ = costruisci_righe(tabella, righe_file, intestazione)
    veloci = importatore.valida_colonne(righe, ctx)
    if isinstance(veloci, Record) and not veloci.sospette and not importatore.esistenti:
        # every row certainly valid and none stored yet (a first load): all new, so straight from
        # the columns to the driver; their keys are unique by the table's unique index
        return _Parte(
            veloci.chiavi,
            _inserimento(inserimenti, dialetto, importatore, veloci.chiavi).righe(
                veloci.colonne, len(veloci)
            ),
            [],
            [],
            0,
        )
    validi = valida_righe(importatore, righe, ctx, veloci)
    importatore.verifica_insieme(validi, ctx)  # within the part; keys across parts: the parent
    if len(validi) != len(righe) or any(not riga.valida for riga, _ in validi):
        raise _Rinuncia(f"righe con problemi tra la {righe[0].numero} e la {righe[-1].numero}")
    records = [rec for _, rec in validi]
    piano = importatore.pianifica(records, ctx)
    esistenti = (
        [k for k in map(importatore.chiave, records) if k in importatore.esistenti]
        if importatore.esistenti
        else []
    )
    if not piano.nuovi:
        return _Parte((), [], esistenti, piano.aggiornati, piano.invariati)
    nomi = tuple(piano.nuovi[0])
    colonne = [list(map(itemgetter(nome), piano.nuovi)) for nome in nomi]
    nuovi = _inserimento(inserimenti, dialetto, importatore, nomi).righe(colonne, len(piano.nuovi))
    return _Parte(nomi, nuovi, esistenti, piano.aggiornati, piano.invariati)


def _inserimento(
    inserimenti: dict[tuple[str, ...], Inserimento],
    dialetto: Any,
    importatore: ImportatoreTabella,
    nomi: tuple[str, ...],
) -> Inserimento:
    """The conversion of rows with fields ``nomi``, made once; the constants the parent adds."""
    if nomi not in inserimenti:
        inserimenti[nomi] = Inserimento(dialetto, importatore.tabella, nomi, {})
    return inserimenti[nomi]
