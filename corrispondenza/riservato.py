"""Files that hold personal (health-related) data are readable by their owner only (GDPR art. 9).

``os.open`` applies its mode only to a file it creates: an existing file keeps its old, maybe
wider, permissions. Here the mode is set on the open descriptor in both cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

RISERVATO = 0o600


def apri_riservato(percorso: Path, *, tronca: bool = True) -> int:
    """Open (creating or truncating) ``percorso`` for writing, mode 0600; returns the descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if tronca else 0)
    descrittore = os.open(percorso, flags, RISERVATO)
    os.fchmod(descrittore, RISERVATO)
    return descrittore


CARTELLA_RISERVATA = 0o700


def cartella_riservata(percorso: Path) -> Path:
    """Create ``percorso`` (and parents) as 0700; an existing folder is narrowed to 0700 too."""
    percorso.mkdir(mode=CARTELLA_RISERVATA, parents=True, exist_ok=True)
    percorso.chmod(CARTELLA_RISERVATA)
    return percorso


@contextmanager
def scrivi_riservato(percorso: Path) -> Iterator[BinaryIO]:
    """Write ``percorso`` atomically, 0600: a crash leaves the old file or none, never half of one.

    The content goes to a temporary file in the same folder, flushed to disk, then renamed over
    the target; on an exception the temporary file is removed.
    """
    temporaneo = percorso.with_name(f".{percorso.name}.{os.getpid()}.tmp")
    descrittore = apri_riservato(temporaneo)
    try:
        with os.fdopen(descrittore, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        temporaneo.replace(percorso)
    except BaseException:
        temporaneo.unlink(missing_ok=True)
        raise


def scrivi_byte_riservati(percorso: Path, contenuto: bytes) -> None:
    with scrivi_riservato(percorso) as file:
        file.write(contenuto)
