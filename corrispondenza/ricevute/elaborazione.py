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

The readers come from a new interpreter (``python -m corrispondenza.ricevute.elaborazione``),
never from a fork of this process: they inherit no socket, no database connection and no lock
another thread may hold. That interpreter does the imports and loads the trust anchors once,
then forks the other readers and serves as the first (the imports cost each reader as much CPU
as a few hundred receipts). It gets the evidence folder and the trust anchors' file on its
command line; each reader has the batches on a pipe of its own (never stdin/stdout, which a
library could write to), and nothing else.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
import time
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

    The readers are started by one new interpreter (``_avvia``), which does the imports once
    and then forks the others: a reader's imports cost as much CPU as reading a few hundred
    receipts, and every reader needs the same ones.
    """

    def __init__(self, lettore: Lettore, processi: int) -> None:
        self._lettore = lettore
        self._attesi: deque[tuple[_ProcessoLettore | None, list[bytes], Letti | None]] = deque()
        self._avvio, self._processi = _avvia(lettore, processi)
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
        letti = chi.ricevi(len(grezzi)) if chi.vivo else None
        if letti is None:  # dead, failed or stuck: this batch and every later one are read here
            log.warning("lettura delle ricevute in un processo separato interrotta: continua qui")
            self._ferma()
            return elabora(self._lettore, grezzi)
        self.messaggi_altrove += len(letti)
        return letti

    def _ferma(self) -> None:
        """Every reader killed at once: they are one process group (``_avvia``), so a reader
        forked by the first goes too, even one that never said its pid. The batches they hold
        are read here, like the failed one; the first reader is reaped only in ``chiudi``,
        so until then its pid, which names the group, cannot be given to another process."""
        for processo in self._processi:
            processo.chiudi()
        if self._avvio is not None and self._avvio.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._avvio.pid, signal.SIGKILL)

    def chiudi(self) -> None:
        """The pipes closed: each reader ends by itself when it sees it (after its current batch,
        the forked ones reaped by the first); those still there after a few seconds are killed."""
        limite = time.monotonic() + ATTESA_CHIUSURA_SECONDI
        for processo in self._processi:
            processo.non_accetta_altro()
        if not all(processo.finito(limite) for processo in self._processi):
            self._ferma()
        for processo in self._processi:
            processo.chiudi()
        if self._avvio is not None:
            try:
                self._avvio.wait(max(0.0, limite - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._ferma()
                self._avvio.wait()
        self._avvio, self._processi = None, []
        self._attesi.clear()

    def __enter__(self) -> Elaboratori:
        return self

    def __exit__(self, *_: object) -> None:
        self.chiudi()


ATTESA_CHIUSURA_SECONDI = 5
"""How long the readers have to end by themselves once their pipes are closed."""


def _avvia(lettore: Lettore, n: int) -> tuple[subprocess.Popen[bytes] | None, list[_ProcessoLettore]]:
    """``n`` readers, from one new interpreter, in a process group of their own; none if it
    cannot start (then everything is read here).

    Each reader has two pipes, the batches in and the results out, and only its own: the
    interpreter is given the reader ends of all of them on its command line, and each reader
    closes those of the others (``_lettori``), so a reader that dies gives its own pipe's end
    to this process at once.
    """
    if n <= 0:
        return None, []
    coppie = [(*os.pipe(), *os.pipe()) for _ in range(n)]  # lotti r, lotti w, esiti r, esiti w
    loro = [(lotti_r, esiti_w) for lotti_r, _, _, esiti_w in coppie]
    comando = [sys.executable, "-m", __name__, str(lettore.archivio), str(lettore.ca_file or "")]
    comando += [f"{lotti_r}:{esiti_w}" for lotti_r, esiti_w in loro]
    try:
        avvio = subprocess.Popen(
            comando,
            pass_fds=[fd for coppia in loro for fd in coppia],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,  # a Ctrl-C reaches only this process, which then stops the readers
        )
    except OSError as exc:
        log.warning("processi di lettura non avviati (%s): si legge qui", exc)
        for _, lotti_w, esiti_r, _ in coppie:
            os.close(lotti_w)
            os.close(esiti_r)
        return None, []
    finally:  # the readers' ends: the interpreter has its own copies now
        for coppia in loro:
            for fd in coppia:
                os.close(fd)
    return avvio, [
        _ProcessoLettore(Connection(lotti_w, readable=False), Connection(esiti_r, writable=False))
        for _, lotti_w, esiti_r, _ in coppie
    ]


class _ProcessoLettore:
    """This side of one reader's two pipes; its pid once it said it is ready."""

    def __init__(self, verso: Connection, da: Connection) -> None:
        self._verso, self._da = verso, da
        self.vivo = True
        self._pronto = False
        self.occupato = False
        self.pid: int | None = None

    @property
    def pronto(self) -> bool:
        """Whether the reader said it is ready (asked without waiting); one whose pipe ended
        before it did is gone."""
        if self.vivo and not self._pronto:
            try:
                if self._da.poll(0):
                    messaggio = self._da.recv()
                    if isinstance(messaggio, tuple) and messaggio[:1] == (PRONTO,):
                        self._pronto, self.pid = True, messaggio[1]
                    else:
                        self.vivo = False
            except (EOFError, OSError):
                self.vivo = False
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
            self.vivo = False
            return None
        return [(_ricevuta(campi), Prova(sha256)) for campi, sha256 in esito]

    def non_accetta_altro(self) -> None:
        """No more batches: the reader sees its pipe closed once it has finished the current one."""
        self.vivo = False
        with contextlib.suppress(OSError):
            self._verso.close()

    def finito(self, limite: float) -> bool:
        """Whether the reader ended (its end of the results pipe closed) by ``limite``
        (``time.monotonic``): what it still sends is dropped, it was not asked for."""
        try:
            while not self._da.closed and self._da.poll(max(0.0, limite - time.monotonic())):
                self._da.recv()
        except (EOFError, OSError):
            return True
        return self._da.closed

    def chiudi(self) -> None:
        self.vivo = False
        for estremo in (self._verso, self._da):
            with contextlib.suppress(OSError):
                estremo.close()


_NOMI = tuple(f.name for f in fields(Ricevuta))
_campi = attrgetter(*_NOMI)
"""A receipt's fields in the order ``Ricevuta(*campi)`` takes them, not copied
(``dataclasses.astuple`` copies deeply); plain tuples unpickle in a third of the time of the
objects, and the parent is the busier side."""


def _ricevuta(campi: Sequence[object]) -> Ricevuta:
    """``Ricevuta(*campi)`` without its ``__init__``: a frozen dataclass sets each of its 21
    fields through ``object.__setattr__`` (2.2 µs a receipt, in the busier process); filling
    the instance's dict from the names gives an equal object in 0.9 (a test compares them)."""
    ricevuta = object.__new__(Ricevuta)
    ricevuta.__dict__.update(zip(_NOMI, campi, strict=True))
    return ricevuta


def _servi(lotti: Connection, esiti: Connection, lettore: Lettore) -> None:
    """A reader: say it is ready (and its pid, for the tests), then read each batch and send
    back its results, until the parent closes the pipe."""
    esiti.send((PRONTO, os.getpid()))
    while True:
        try:
            grezzi = lotti.recv()
        except EOFError:
            return
        esiti.send([(_campi(r), p.sha256) for r, p in elabora(lettore, grezzi)])


def _lettori(coppie: list[tuple[int, int]], lettore: Lettore) -> int:
    """The new interpreter, its imports done: fork a reader for each pair of pipes but the
    first, which it serves itself; then reap them. The exit status: 0 if every reader ended
    by itself.

    A reader forked here has nothing of the reconciler: this interpreter had only its pipes
    and the loaded trust anchors. ``gc.freeze`` first, so the collector does not write to
    every imported object and copy the pages the readers share.
    """
    gc.freeze()
    mia, figli = coppie[0], []
    for coppia in coppie[1:]:
        pid = os.fork()
        if pid == 0:
            mia, figli = coppia, []
            break
        figli.append(pid)
    for coppia in coppie:
        if coppia != mia:
            for fd in coppia:
                os.close(fd)
    esito = 0
    try:
        _servi(Connection(mia[0], writable=False), Connection(mia[1], readable=False), lettore)
    except BaseException:
        esito = 1
    if mia != coppie[0]:
        os._exit(esito)  # a forked reader: no interpreter shutdown of what it inherited
    for pid in figli:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, 0)[1] != 0:
                esito = 1
    return esito


if __name__ == "__main__":
    _archivio, _ca, *_coppie = sys.argv[1:]
    sys.exit(
        _lettori(
            [tuple(int(fd) for fd in coppia.split(":")) for coppia in _coppie],
            Lettore.per(Path(_archivio), Path(_ca) if _ca else None),
        )
    )
