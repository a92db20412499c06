"""Small DOCX templates built with python-docx, as the legal office would type them in Word."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

FaiModello = Callable[..., Path]


@pytest.fixture
def fai_modello(tmp_path: Path) -> FaiModello:
    """``fai_modello(paragrafi, tabella=righe, intestazione=..., piede=...)`` → path of a .docx."""
    contatore = iter(range(10_000))

    def fai(
        paragrafi: Sequence[str],
        *,
        tabella: Sequence[Sequence[str]] = (),
        dopo_tabella: Sequence[str] = (),
        intestazione: str | None = None,
        piede: str | None = None,
        nome: str | None = None,
    ) -> Path:
        documento = Document()
        sezione = documento.sections[0]
        sezione.page_width, sezione.page_height = Mm(210), Mm(297)
        if intestazione is not None:
            sezione.header.paragraphs[0].text = intestazione
        if piede is not None:
            sezione.footer.paragraphs[0].text = piede
        for testo in paragrafi:
            documento.add_paragraph(testo)
        if tabella:
            t = documento.add_table(rows=len(tabella), cols=max(len(r) for r in tabella))
            for riga, valori in zip(t.rows, tabella, strict=True):
                for cella, valore in zip(riga.cells, valori, strict=False):
                    cella.text = valore
        for testo in dopo_tabella:
            documento.add_paragraph(testo)
        percorso = tmp_path / (nome or f"modello-{next(contatore)}.docx")
        documento.save(percorso)
        return percorso

    return fai
