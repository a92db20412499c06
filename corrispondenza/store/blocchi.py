"""Named locks in the database, so they hold across processes and on PostgreSQL as on SQLite.

Two kinds, both on the ``blocchi`` table:

- ``prendi``: for work done inside one transaction (import, ``pianifica``). It updates the
  lock's row (to the same value) as the first statement: on SQLite that takes the database's
  write lock at once (a second writer waits, up to ``busy_timeout``); on PostgreSQL it locks the
  row. The second run starts only after the first has committed, sees its work and does nothing
  twice; the lock ends with the transaction, so a crash cannot leave it taken.
- ``Concessione`` (a lease): for ``invia``, which talks to a mail server for minutes and must
  not keep a transaction open all that time. The holder (host and pid) and an expiry are
  written in the row; a second sender is refused while the holder lives. A holder killed with
  SIGKILL leaves its row behind: on the same host its pid is seen dead and the lease is taken
  over at once; from another host only after the expiry, which the holder keeps renewing.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from corrispondenza.errors import InvioInCorsoError, StoreError
from corrispondenza.orologio import adesso, in_utc
from corrispondenza.store.database import segnaposto, sessione
from corrispondenza.store.tabelle import Blocco

DURATA = timedelta(minutes=2)


class NomeBlocco(StrEnum):
    """The locks the migrations create (0003, 0005, 0006)."""

    IMPORTA = "importa"
    PIANIFICA = "pianifica"
    INVIA = "invia"
    RICEVUTE = "ricevute"


def prendi(s: Session, nome: NomeBlocco) -> None:
    """Take the lock ``nome`` until the end of the transaction.

    A Core statement on the session's connection: the ORM's UPDATE (synchronising the identity
    map, which holds no lock to change) cost a quarter of a millisecond per transaction, and
    ``ricevute`` opens one per batch. It flushes first, as the ORM's would. Where the driver's
    placeholder is known the same UPDATE goes to it as text: Core's execution of even a cached
    statement cost more than the database's work.
    """
    if s.autoflush:
        s.flush()
    connessione = s.connection()
    segno = segnaposto(connessione.dialect)
    if segno is None:
        istruzione = update(Blocco.__table__).where(Blocco.nome == nome.value).values(nome=Blocco.nome)
        esito = connessione.execute(istruzione)
    else:
        esito = connessione.exec_driver_sql(
            f"UPDATE {Blocco.__tablename__} SET nome = nome WHERE nome = {segno}", (nome.value,)
        )
    if esito.rowcount != 1:  # type: ignore[attr-defined]
        raise StoreError(f"Blocco «{nome}» mancante: il database non è aggiornato.", blocco=nome.value)


class Concessione:
    """A lease on ``nome`` held by this process until ``rilascia`` (or its expiry)."""

    def __init__(self, engine: Engine, nome: NomeBlocco, *, durata: timedelta = DURATA) -> None:
        self._engine = engine
        self.nome = nome
        self.durata = durata
        self.titolare = f"{socket.gethostname()}:{os.getpid()}"
        self._rinnovata: datetime | None = None

    def __enter__(self) -> Concessione:
        self.prendi()
        return self

    def __exit__(self, *_: object) -> None:
        self.rilascia()

    def prendi(self) -> None:
        """Take the lease, or raise ``InvioInCorsoError`` naming who holds it and since when."""
        with sessione(self._engine) as s:
            prendi(s, self.nome)  # serialises two senders starting in the same instant
            riga = s.get_one(Blocco, self.nome.value)  # prendi checked the row exists
            if riga.titolare and riga.titolare != self.titolare and _vivo(riga.titolare, riga.scade_il):
                raise InvioInCorsoError(
                    f"Un altro invio è in corso ({riga.titolare}): attendere che finisca. "
                    "Due invii contemporanei potrebbero spedire due volte la stessa lettera.",
                    titolare=riga.titolare,
                )
            self._scrivi(s)

    def rinnova(self) -> None:
        """Move the expiry on; cheap enough to call after every batch (writes at most every 10 s)."""
        if self._rinnovata is not None and adesso() - self._rinnovata < self.durata / 12:
            return
        with sessione(self._engine) as s:
            prendi(s, self.nome)
            self._scrivi(s)

    def rilascia(self) -> None:
        with sessione(self._engine) as s:
            s.execute(
                update(Blocco)
                .where(Blocco.nome == self.nome.value, Blocco.titolare == self.titolare)
                .values(titolare=None, scade_il=None)
            )

    def _scrivi(self, s: Session) -> None:
        self._rinnovata = adesso()
        s.execute(
            update(Blocco)
            .where(Blocco.nome == self.nome.value)
            .values(titolare=self.titolare, scade_il=self._rinnovata + self.durata)
        )


def titolare(s: Session, nome: NomeBlocco) -> str | None:
    """Who holds the lease now (None if free or expired): for tests and ``stato``."""
    riga = s.scalar(select(Blocco).where(Blocco.nome == nome.value))
    if riga is None or not riga.titolare or not _vivo(riga.titolare, riga.scade_il):
        return None
    return riga.titolare


def _vivo(titolare: str, scade_il: datetime | None) -> bool:
    """A holder on this host is alive iff its pid is; one elsewhere until its lease expires."""
    host, _, pid = titolare.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return scade_il is not None and in_utc(scade_il) > adesso()
