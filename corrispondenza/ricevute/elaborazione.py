"""Reading fetched messages: evidence, parsing, signature; in other processes when it pays.

Per message the reconciler spends far more on this than on fetching it or applying it: the
evidence file, the MIME and daticert parsing, the S/MIME check. None of it needs the mailbox
or the store, so reader processes (``Elaboratori``) take the batches in turn while this
process fetches the next batch and applies the previous one (``imap``). The results come back
in the order the batches were sent, and a batch is applied only when its evidence is on disk:
a reader answers only after ``conserva_tutte`` returned.

The same function (``elabora``) runs here or there: the processes change when the work is
done, never what it gives. Until a reader has started (a fresh interpreter, about 0.2 s) the
batches are read here; a reader that dies, fails or stays silent for ``ATTESA_SECONDI`` is
stopped and its batch is read again here, from the bytes this process kept (evidence is
content-addressed: a file already written is simply found), and so is every later batch.

A reader is a new interpreter (``python -m corrispondenza.ricevute.elaborazione``), not a
fork: it inherits no socket, no database connection and no lock another thread may hold. It
gets the evidence folder and the trust anchors' file on its command line, the batches on a
pipe of its own (never stdin/stdout, which a library could write to), and nothing else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, fields
from multiprocessing.connection import Connection
from operator import attrgetter
from pathlib import Path

from corrispondenza.ricevute.cms import Verificatore
from corrispondenza.ricevute.firma import con_firma, verificatore
from corrispondenza.ricevute.parser import Ricevuta, analizza_e_firmato
from corrispondenza.ricevute.prove import Prova, conserva_tutte

log = logging.getLogger("corrispondenza.ricevute")

ATTESA_SECONDI = 300
"""A reader silent this long on one batch (a few hundred messages) is stuck: it is stopped."""

PRONTO = "pronto"


@dataclass(frozen=True)
class Lettore:
    """What reading a message needs besides its bytes: where evidence goes, whom to trust."""

    archivio: Path
    ca_file: Path | None
    verificatore: Verificatore | None

    @classmethod
    def per(cls, archivio: Path, ca_file: Path | None) -> Lettore:
        return cls(archivio, ca_file, verificatore(ca_file))  # the trust anchors, loaded once


Letti = list[tuple[Ricevuta, Prova]]


def elabora(lettore: Lettore, grezzi: Sequence[bytes]) -> Letti:
    """Evidence first (the whole batch durably on disk), then parsing and signatures."""
    prove = conserva_tutte(lettore.archivio, grezzi)
    letti = []
    for grezzo, prova in zip(grezzi, prove, strict=True):
        ricevuta, firmato = analizza_e_firmato(grezzo)
        ricevuta = con_firma(ricevuta, grezzo, lettore.ca_file, lettore.verificatore, firmato=firmato)
        letti.append((ricevuta, prova))
    return letti


class Elaboratori:
    """Batches read in order, by reader processes taking them in turn, or here.

    ``invia`` hands a batch over (read at once, here, if no reader is free and ready);
    ``ricevi`` returns the oldest batch not yet returned, waiting for it. While ``pieno``, the
    caller must ``ricevi`` before sending more: a reader takes one batch at a time. ``chiudi``
    (or the ``with`` block) stops the readers; batches sent and not received are dropped (they
    were not applied: the caller reads them again).
    """

    def __init__(self, lettore: Lettore, processi: int) -> None:
        self._lettore = lettore
        self._attesi: deque[tuple[_ProcessoLettore | None, list[bytes], Letti | None]] = deque()
        self._processi = [_ProcessoLettore.avvia(lettore, n) for n in range(processi)]
        self._processi = [x for x in self._processi if x is not None]
        self.messaggi_altrove = 0  # messages of the batches a reader returned

    @property
    def in_altri_processi(self) -> int:
        """How many readers are running (started or starting)."""
        return sum(1 for x in self._processi if x.vivo)

    @property
    def pieno(self) -> bool:
        pronti = sum(1 for x in self._processi if x.vivo and x.pronto)
        return len(self._attesi) >= max(1, pronti)

    def invia(self, grezzi: list[bytes]) -> None:
        libero = next((x for x in self._processi if x.vivo and x.pronto and not x.occupato), None)
        if libero is not None and libero.invia(grezzi):
            self._attesi.append((libero, grezzi, None))
            return
        self._attesi.append((None, grezzi, elabora(self._lettore, grezzi)))

    def ricevi(self) -> Letti:
        chi, grezzi, letti = self._attesi.popleft()
        if chi is None:
            return letti or []
        letti = chi.ricevi(len(grezzi))
        if letti is None:  # dead, failed or stuck: this batch and every later one are read here
            log.warning("lettura delle ricevute in un processo separato interrotta: continua qui")
            for processo in self._processi:
                processo.non_accetta_altro()
            return elabora(self._lettore, grezzi)
        self.messaggi_altrove += len(letti)
        return letti

    def chiudi(self) -> None:
        for processo in self._processi:
            processo.chiudi()
        self._processi = []
        self._attesi.clear()

    def __enter__(self) -> Elaboratori:
        return self

    def __exit__(self, *_: object) -> None:
        self.chiudi()


class _ProcessoLettore:
    """One reader process and this side of its two pipes."""

    def __init__(self, processo: subprocess.Popen[bytes], verso: Connection, da: Connection) -> None:
        self._processo, self._verso, self._da = processo, verso, da
        self.vivo = True
        self._pronto = False
        self.occupato = False

    @classmethod
    def avvia(cls, lettore: Lettore, n: int) -> _ProcessoLettore | None:
        lotti_r, lotti_w = os.pipe()
        esiti_r, esiti_w = os.pipe()
        comando = [sys.executable, "-m", __name__, str(lotti_r), str(esiti_w), str(lettore.archivio)]
        if lettore.ca_file is not None:
            comando.append(str(lettore.ca_file))
        try:
            processo = subprocess.Popen(
                comando,
                pass_fds=(lotti_r, esiti_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                process_group=0,  # a Ctrl-C reaches only this process, which then stops the readers
            )
        except OSError as exc:
            log.warning("processo di lettura %d non avviato (%s): si legge qui", n, exc)
            os.close(lotti_w)
            os.close(esiti_r)
            return None
        finally:  # the reader's ends: it has its own copies now
            os.close(lotti_r)
            os.close(esiti_w)
        return cls(processo, Connection(lotti_w, readable=False), Connection(esiti_r, writable=False))

    @property
    def pronto(self) -> bool:
        """Whether the reader said it is ready (asked without waiting)."""
        if self.vivo and not self._pronto:
            try:
                if self._da.poll(0):
                    self._pronto = self._da.recv() == PRONTO
            except (EOFError, OSError):
                self._pronto = False
            if self._da.closed or (not self._pronto and self._processo.poll() is not None):
                self.chiudi()
        return self.vivo and self._pronto

    def invia(self, grezzi: list[bytes]) -> bool:
        try:
            self._verso.send(grezzi)
        except (OSError, ValueError):
            self.vivo = False
            return False
        self.occupato = True
        return True

    def ricevi(self, attesi: int) -> Letti | None:
        """The batch's results, or None if the reader failed on it, died or stayed silent."""
        self.occupato = False
        try:
            esito = self._da.recv() if self._da.poll(ATTESA_SECONDI) else None
        except (EOFError, OSError):
            esito = None
        if not isinstance(esito, list) or len(esito) != attesi:
            self.chiudi(subito=True)
            return None
        return [(Ricevuta(*campi), Prova(sha256)) for campi, sha256 in esito]

    def non_accetta_altro(self) -> None:
        self.vivo = False

    def chiudi(self, *, subito: bool = False) -> None:
        """Close the pipes: the reader ends when it sees them closed (after its current batch);
        one that failed, or is still there after a few seconds, is killed."""
        self.vivo = False
        for estremo in (self._verso, self._da):
            with contextlib.suppress(OSError):
                estremo.close()
        try:
            self._processo.wait(0 if subito else 5)
        except subprocess.TimeoutExpired:
            self._processo.kill()
            self._processo.wait()


_campi = attrgetter(*(f.name for f in fields(Ricevuta)))
"""A receipt's fields in the order ``Ricevuta(*campi)`` takes them, not copied
(``dataclasses.astuple`` copies deeply); plain tuples unpickle in a third of the time of the
objects, and the parent is the busier side."""


def _servi(lotti: Connection, esiti: Connection, lettore: Lettore) -> None:
    """A reader: say it is ready, then read each batch and send back its results, until the
    parent closes the pipe."""
    esiti.send(PRONTO)
    while True:
        try:
            grezzi = lotti.recv()
        except EOFError:
            return
        esiti.send([(_campi(r), p.sha256) for r, p in elabora(lettore, grezzi)])


if __name__ == "__main__":
    _lotti, _esiti, _archivio, *_ca = sys.argv[1:]
    _servi(
        Connection(int(_lotti), writable=False),
        Connection(int(_esiti), readable=False),
        Lettore.per(Path(_archivio), Path(_ca[0]) if _ca else None),
    )
