"""Big imports in two processes: one validates the file while the other writes it.

Validating 100 000 rows costs about as much as inserting them (bench/importazione.py), and
the two can overlap: a forked child validates the file part by part with the very same code
as the ordinary path (``valida_righe``, ``pianifica``) and turns each part's new rows into the
driver's parameter tuples (``Inserimento.righe``); the parent, which holds the transaction,
the import lock and the connection, inserts each part while the child works on the next.

The promise of the ordinary path still holds: nothing is written unless the whole file is
valid. Everything goes inside a savepoint, and the child gives up at the first thing that is
not a clean pass (a row with a problem, a key repeated in the file, anything it cannot do);
the parent then rolls the savepoint back and ``motore`` imports the file again the ordinary
way, which reports it exactly as it always has. A child that dies is the same as one that
gives up. So this path only has to be right for valid files, and for them it must give the
same rows, counts and journal as the ordinary path (tests/importa/test_flusso.py).

The child never touches the database: it inherits the loaded archive (``carica``) and the
dialect by ``fork`` and talks to the parent through a pipe; it ends with ``os._exit``, so
nothing inherited (the connection above all) is closed or flushed by it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from corrispondenza.importa.lettura import Tabella
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

RIGHE_MINIME = 20_000
"""Below this a file is validated in well under a second: a second process is not worth it."""

PARTE = 5_000
"""Rows per part: small enough for the writer to start early, big enough to amortise a message."""


def applicabile(importatore: Any, tabella: Tabella) -> bool:
    """A big text file (CSV) of an import kind that writes its new rows in one insert."""
    return (
        isinstance(importatore, ImportatoreTabella)
        and importatore.in_due_processi
        and tabella.separatore is not None
        and not tabella.formule
        and len(tabella.righe) >= RIGHE_MINIME
        and hasattr(os, "fork")
    )


@dataclass
class _Fine:
    """The child's last message: the plan of the rows already stored, and the counts."""

    nuovi: int
    aggiornati: list[tuple[dict[str, Any], dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    invariati: int = 0


class _Rinuncia(Exception):
    """The child stops: the file must go the ordinary way (the reason is for maintainers)."""


def importa(
    s: Session,
    importatore: ImportatoreTabella,
    tabella: Tabella,
    intestazione: Intestazione,
    percorso: Path,
    ctx: Contesto,
) -> EsitoImportazione | None:
    """Import a valid file in two processes; ``None`` (with nothing written) if it is not one."""
    punto = s.begin_nested()
    registro = crea_importazione(s, percorso, importatore.tipo, ctx.op)
    connessione = s.connection()
    costanti = importatore.costanti(registro.id)
    dialetto = connessione.dialect
    contesto = multiprocessing.get_context("fork")
    ricevente, mittente = contesto.Pipe(duplex=False)
    figlio = contesto.Process(
        target=_figlio,
        args=(mittente, importatore, tabella, intestazione, ctx, dialetto, costanti),
        name="corrispondenza-importa-valida",
        daemon=True,
    )
    figlio.start()
    mittente.close()
    fine: _Fine | None = None
    inserimenti: dict[tuple[str, ...], Inserimento] = {}
    try:
        for messaggio in _messaggi(ricevente):
            if isinstance(messaggio, _Fine):
                fine = messaggio
                break
            nomi, righe = messaggio
            if nomi not in inserimenti:
                inserimenti[nomi] = Inserimento(dialetto, importatore.tabella, nomi, costanti)
            inserimenti[nomi].esegui(connessione, righe)
    except DBAPIError:  # a key repeated in the file meets the unique index before the child sees it
        fine = None
    finally:
        ricevente.close()
        if figlio.is_alive():
            figlio.terminate()
        figlio.join()
    if fine is None:
        punto.rollback()
        return None
    esito = EsitoImportazione(
        tipo=importatore.tipo,
        file=tabella.nome_file,
        nuovi=fine.nuovi,
        aggiornati=len(fine.aggiornati),
        invariati=fine.invariati,
    )
    if not fine.nuovi and not fine.aggiornati:  # nothing changes: not even the import's record
        punto.rollback()
        return esito
    esito.importazione_id = completa_importazione(s, registro, esito, ctx.op)
    piano: Piano[dict[str, Any]] = Piano(aggiornati=fine.aggiornati, invariati=fine.invariati)
    importatore.scrivi_aggiornati(s, piano, ctx, registro.id)
    punto.commit()
    esito.scritto = True
    return esito


def _messaggi(ricevente: Any) -> Iterator[Any]:
    """What the child sends, until its ``_Fine``; a child that gave up or died ends it early."""
    while True:
        try:
            messaggio = ricevente.recv()
        except EOFError:
            return
        if isinstance(messaggio, _Rinuncia):
            return
        yield messaggio
        if isinstance(messaggio, _Fine):
            return


def _figlio(
    mittente: Any,
    importatore: ImportatoreTabella,
    tabella: Tabella,
    intestazione: Intestazione,
    ctx: Contesto,
    dialetto: Any,
    costanti: dict[str, Any],
) -> None:
    """The child: validate and plan part by part, send each part's new rows, then the rest."""
    codice = 0
    try:
        mittente.send(_valida_e_invia(mittente, importatore, tabella, intestazione, ctx, dialetto, costanti))
    except _Rinuncia as rinuncia:
        mittente.send(rinuncia)
    except BaseException:  # anything at all: the parent imports the ordinary way, which will say it
        codice = 1
        with contextlib.suppress(BaseException):  # the parent may be gone: nobody to tell then
            mittente.send(_Rinuncia(traceback.format_exc()))
    finally:
        os._exit(codice)  # nothing inherited is closed or flushed here (the database connection)


def _valida_e_invia(
    mittente: Any,
    importatore: ImportatoreTabella,
    tabella: Tabella,
    intestazione: Intestazione,
    ctx: Contesto,
    dialetto: Any,
    costanti: dict[str, Any],
) -> _Fine:
    validi_tutti: list[Any] = []
    fine = _Fine(nuovi=0)
    inserimenti: dict[tuple[str, ...], Inserimento] = {}
    for inizio in range(0, len(tabella.righe), PARTE):
        righe, _ = costruisci_righe(tabella, tabella.righe[inizio : inizio + PARTE], intestazione)
        validi = valida_righe(importatore, righe, ctx)
        if len(validi) != len(righe):
            raise _Rinuncia(f"righe con problemi tra {inizio} e {inizio + PARTE}")
        validi_tutti += validi
        piano = importatore.pianifica([rec for _, rec in validi], ctx)
        fine.aggiornati += piano.aggiornati
        fine.invariati += piano.invariati
        fine.nuovi += len(piano.nuovi)
        if piano.nuovi:  # in file order, as the ordinary path inserts them (the same ids)
            nomi = tuple(piano.nuovi[0])
            if nomi not in inserimenti:
                inserimenti[nomi] = Inserimento(dialetto, importatore.tabella, nomi, costanti)
            colonne = [list(map(itemgetter(nome), piano.nuovi)) for nome in nomi]
            mittente.send((nomi, inserimenti[nomi].righe(colonne, len(piano.nuovi))))
    importatore.verifica_insieme(validi_tutti, ctx)  # repeated keys, sums across rows
    if any(not riga.valida for riga, _ in validi_tutti):
        raise _Rinuncia("problemi tra le righe (chiavi ripetute o somme)")
    return fine
