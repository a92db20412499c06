"""The receipts as legal evidence: the raw bytes exactly as fetched (``BODY.PEEK[]``), kept before
anything is done with them (DESIGN.md, PEC receipts; RICEVUTE.md: they are the only input a
signature check can use).

Content-addressed by sha256 (``ab/abcdef….eml``): the same receipt read twice, from two folders
or after a crash, is one file. Each file is written through a temporary name, fsync'd, renamed
and its folder fsync'd, so after a power cut a recorded receipt's file is whole or the receipt
was never recorded. Files 0600, folders 0700 (health data, GDPR art. 9).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from corrispondenza.riservato import cartella_riservata, scrivi_byte_riservati


@dataclass(frozen=True)
class Prova:
    sha256: str
    percorso: Path  # relative to the evidence folder


def conserva(archivio: Path, grezzo: bytes) -> Prova:
    """Store ``grezzo`` under its hash (once) and return where it is."""
    impronta = hashlib.sha256(grezzo).hexdigest()
    relativo = Path(impronta[:2]) / f"{impronta}.eml"
    finale = archivio / relativo
    if finale.is_file() and finale.stat().st_size == len(grezzo):
        return Prova(impronta, relativo)
    cartella = cartella_riservata(finale.parent)
    scrivi_byte_riservati(finale, grezzo)  # temp file, fsync, rename
    descrittore = os.open(cartella, os.O_RDONLY)
    try:
        os.fsync(descrittore)  # the rename itself survives a power cut
    finally:
        os.close(descrittore)
    return Prova(impronta, relativo)
