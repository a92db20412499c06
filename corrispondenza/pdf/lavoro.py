"""What the converter pool is asked to do, and what it answers for each document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Lavoro:
    """One document to convert: the DOCX in, the PDF to write (replaced only when verified)."""

    docx: Path
    pdf: Path


@dataclass(frozen=True)
class EsitoConversione:
    """What happened to one Lavoro; ``motivo`` is the Italian reason when it failed.

    ``tentativi`` counts the times LibreOffice worked on it (0: refused before, e.g. not a
    DOCX); ``blocco`` and ``convertitore`` say where it went, for reports and tests.
    """

    lavoro: Lavoro
    motivo: str | None = None
    pagine: int = 0
    tentativi: int = 0
    blocco: int | None = None
    convertitore: int | None = None

    @property
    def ok(self) -> bool:
        return self.motivo is None
