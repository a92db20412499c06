"""The receipts as legal evidence: the raw bytes exactly as fetched (``BODY.PEEK[]``), kept before
anything is done with them (DESIGN.md, PEC receipts; RICEVUTE.md: they are the only input a
signature check can use).

Content-addressed by sha256 (``ab/abcdef….eml``): the same receipt read twice, from two folders
or after a crash, is one file. Files are written under a temporary name, flushed to disk,
renamed, and the renames flushed too, so after a power cut a recorded receipt's file is whole
or the receipt was never recorded. A batch is flushed with one ``syncfs`` of the archive's
file system before and one after the renames (Linux), instead of two ``fsync`` per file;
elsewhere each file and folder is fsync'd. Files 0600, folders 0700 (health data, GDPR art. 9).

Creating the files is the cost that remains, and it is the kernel's: on an ext4 without a
journal (as on the development machine) each new inode skips every inode of its block group
freed in the last 30-60 s (``recently_deleted``), so after a mass deletion (a removed copy of
an archive) an ``open(O_CREAT)`` costs 0.1-0.3 ms of CPU instead of 10 µs; fan-out and flags
make no difference. Nothing to gain here without giving up a file per receipt.
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

from corrispondenza.riservato import apri_riservato, cartella_riservata


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

    Paths are plain strings here: a ``Path`` per file, joined and renamed, cost more than
    writing the file.
    """
    prove = [_prova(g) for g in grezzi]
    radice = os.fspath(archivio)
    pid = os.getpid()
    nuove: dict[str, str] = {}  # final name → temporary name
    pronte: set[str] = set()  # folders made (or narrowed) 0700 in this batch: once each
    for prova, grezzo in zip(prove, grezzi, strict=True):
        finale = f"{radice}/{prova.nome}"
        if finale in nuove or _gia_conservata(finale, len(grezzo)):
            continue
        cartella, _, nome_file = finale.rpartition("/")
        if cartella not in pronte:
            cartella_riservata(Path(cartella))
            pronte.add(cartella)
        temporaneo = f"{cartella}/.{nome_file}.{pid}.tmp"
        _scrivi(temporaneo, grezzo)
        nuove[finale] = temporaneo
    if not nuove:
        return prove
    _a_disco(archivio, list(nuove.values()))
    for finale, temporaneo in nuove.items():
        os.replace(temporaneo, finale)  # noqa: PTH105 - str paths on purpose (docstring)
    _a_disco(archivio, sorted(pronte))
    return prove


def _gia_conservata(finale: str, dimensione: int) -> bool:
    """A regular file of the right size is there (``is_file`` and ``stat`` in one call)."""
    try:
        stato = os.stat(finale)  # noqa: PTH116 - str paths on purpose
    except OSError:
        return False
    return stat.S_ISREG(stato.st_mode) and stato.st_size == dimensione


def _prova(grezzo: bytes) -> Prova:
    return Prova(hashlib.sha256(grezzo).hexdigest())


def _scrivi(percorso: str, grezzo: bytes) -> None:
    descrittore = apri_riservato(percorso)
    try:
        resto = memoryview(grezzo)
        while resto:
            resto = resto[os.write(descrittore, resto) :]
    finally:
        os.close(descrittore)


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
