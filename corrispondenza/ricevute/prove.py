"""The receipts as legal evidence: the raw bytes exactly as fetched (``BODY.PEEK[]``), kept before
anything is done with them (DESIGN.md, PEC receipts; RICEVUTE.md: they are the only input a
signature check can use).

Content-addressed by sha256 (``ab/abcdef….eml``): the same receipt read twice, from two folders
or after a crash, is one file. A batch's new files are created under their final names and
flushed with one ``syncfs`` of the archive's file system (Linux; elsewhere each file and folder
is fsync'd) before the batch may be recorded, so after a power cut a recorded receipt's file is
whole. A file that was being written when the power went belongs to no recorded receipt; when
its receipt is read again the file is found, its bytes checked against its name and, if they
differ, replaced whole. Files 0600, folders 0700 (health data, GDPR art. 9).

Creating the files is the cost that remains, and it is the kernel's: on an ext4 without a
journal (as on the development machine) each new inode skips every inode of its block group
freed in the last 30-60 s (``recently_deleted``), so after a mass deletion (a removed copy of
an archive) an ``open(O_CREAT)`` costs 0.1-0.3 ms of CPU instead of 10 µs; fan-out and flags
make no difference. Nothing more to gain here without giving up a file per receipt; a name
found already taken is the only case that costs a read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corrispondenza.riservato import CARTELLA_RISERVATA, RISERVATO, cartella_riservata, scrivi_byte_riservati


@dataclass(frozen=True)
class Prova:
    """A message kept as evidence, known by its hash."""

    sha256: str

    @property
    def nome(self) -> str:
        """Where it is, relative to the evidence folder (``ab/abcdef….eml``), as stored."""
        return f"{self.sha256[:2]}/{self.sha256}.eml"

    @property
    def percorso(self) -> Path:
        return Path(self.nome)


def conserva(archivio: Path, grezzo: bytes) -> Prova:
    """Store one message under its hash (once) and return where it is."""
    return conserva_tutte(archivio, [grezzo])[0]


def conserva_tutte(archivio: Path, grezzi: Sequence[bytes]) -> list[Prova]:
    """Store a batch durably; only when this returns may the batch be applied.

    Each new file is created under its final name (``O_EXCL``: never over another) and the
    batch flushed by one ``syncfs`` at the end: a name that exists before that may hold half a
    file after a power cut, but no receipt was recorded with it, and a file found already there
    is trusted only if its bytes have its hash (``_integra``); otherwise it is replaced whole
    (``riservato.scrivi_byte_riservati``: a temporary file renamed over it). Paths are plain
    strings here: a ``Path`` per file, joined and renamed, cost more than writing the file.
    """
    prove = [_prova(g) for g in grezzi]
    radice = os.fspath(archivio)
    scritte: set[str] = set()  # written (or found whole) in this batch
    nuove: list[str] = []  # written now: what ``_a_disco`` flushes where there is no syncfs
    pronte: set[str] = set()  # folders checked (or made) 0700 in this batch: once each
    for prova, grezzo in zip(prove, grezzi, strict=True):
        finale = f"{radice}/{prova.nome}"
        if finale in scritte:
            continue
        cartella = finale.rpartition("/")[0]
        if cartella not in pronte:
            _cartella_pronta(cartella)
            pronte.add(cartella)
        if _crea(finale, grezzo):
            nuove.append(finale)
        elif not _integra(finale, prova.sha256, len(grezzo)):
            scrivi_byte_riservati(Path(finale), grezzo)  # whole at once: temporary file, renamed
            nuove.append(finale)
        scritte.add(finale)
    if nuove:
        _a_disco(archivio, [*nuove, *sorted(pronte)])
    return prove


def _cartella_pronta(cartella: str) -> None:
    """The folder exists, 0700; ``stat`` first, since a ``chmod`` even to the same mode dirties
    the folder's inode and adds a write to every batch."""
    try:
        modo = os.stat(cartella).st_mode  # noqa: PTH116 - str paths on purpose (conserva_tutte)
    except FileNotFoundError:
        modo = 0
    if not stat.S_ISDIR(modo) or stat.S_IMODE(modo) != CARTELLA_RISERVATA:
        cartella_riservata(Path(cartella))  # made or narrowed; a file in the way fails there, loudly


def _crea(percorso: str, grezzo: bytes) -> bool:
    """Write a new file (mode 0600 from its creation: ``O_EXCL`` opens only a file it makes);
    False if the name is taken."""
    try:
        descrittore = os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_EXCL, RISERVATO)
    except FileExistsError:
        return False
    try:
        _scrivi_tutto(descrittore, grezzo)
    finally:
        os.close(descrittore)
    return True


def _integra(percorso: str, sha256: str, dimensione: int) -> bool:
    """A regular file whose bytes have the hash it is named after: a receipt read again (twice
    in a mailbox, after a crash, after UIDVALIDITY changed), and never half-written."""
    try:
        stato = os.stat(percorso)  # noqa: PTH116 - str paths on purpose
        if not stat.S_ISREG(stato.st_mode) or stato.st_size != dimensione:
            return False
        with open(percorso, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest() == sha256
    except OSError:
        return False


def _prova(grezzo: bytes) -> Prova:
    return Prova(hashlib.sha256(grezzo).hexdigest())


def _scrivi_tutto(descrittore: int, grezzo: bytes) -> None:
    resto = memoryview(grezzo)
    while resto:
        resto = resto[os.write(descrittore, resto) :]


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_SYNCFS = getattr(_libc, "syncfs", None)


def _a_disco(archivio: Path, percorsi: list[str]) -> None:
    """Everything written so far under ``archivio`` is on disk when this returns."""
    if _SYNCFS is not None:
        descrittore = os.open(archivio, os.O_RDONLY)
        try:
            if _SYNCFS(descrittore) == 0:
                return
        finally:
            os.close(descrittore)
    for percorso in percorsi:  # no syncfs: one fsync per file or folder
        descrittore = os.open(percorso, os.O_RDONLY)
        try:
            os.fsync(descrittore)
        finally:
            os.close(descrittore)
