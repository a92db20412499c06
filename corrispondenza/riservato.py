"""Files that hold personal (health-related) data are readable by their owner only (GDPR art. 9).

``os.open`` applies its mode only to a file it creates: an existing file keeps its old, maybe
wider, permissions. Here the mode is set on the open descriptor in both cases.
"""

from __future__ import annotations

import os
from pathlib import Path

RISERVATO = 0o600


def apri_riservato(percorso: Path, *, tronca: bool = True) -> int:
    """Open (creating or truncating) ``percorso`` for writing, mode 0600; returns the descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if tronca else 0)
    descrittore = os.open(percorso, flags, RISERVATO)
    os.fchmod(descrittore, RISERVATO)
    return descrittore
