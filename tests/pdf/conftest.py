"""Fixtures for the PDF layer: small A4 letters written with python-docx, one shared pool.

Starting LibreOffice costs about two seconds per converter, so a module shares one pool; the
tests that break a converter on purpose (kill, hang) leave it restarted, which is the point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from corrispondenza.pdf import PoolConvertitori

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The python-docx default template defines ~300 styles (350 KB of XML) that cost LibreOffice
# 30-40 ms per load; a real letter template has a handful. Only these are kept.
STILI_USATI = {"Normal", "Heading1", "Heading1Char", "DefaultParagraphFont", "TableNormal", "NoList"}

ScriviLettera = Callable[..., Path]


def _scrivi_lettera(percorso: Path, titolo: str = "Sollecito di pagamento", *righe: str) -> Path:
    documento = Document()
    sezione = documento.sections[0]
    sezione.page_width, sezione.page_height = Mm(210), Mm(297)  # python-docx defaults to US Letter
    for stile in list(documento.styles.element.findall(f"{W}style")):
        if stile.get(f"{W}styleId") not in STILI_USATI:
            documento.styles.element.remove(stile)
    documento.add_heading(titolo, level=1)
    for riga in righe or ("Gentile debitore, la invitiamo a pagare entro 15 giorni.",):
        documento.add_paragraph(riga)
    percorso.parent.mkdir(parents=True, exist_ok=True)
    documento.save(str(percorso))
    return percorso


@pytest.fixture
def scrivi_lettera() -> ScriviLettera:
    """``scrivi_lettera(percorso, titolo, *righe)`` writes an A4 DOCX letter and returns its path."""
    return _scrivi_lettera


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PoolConvertitori]:
    """Two converters for the whole module, profiles in a temp folder."""
    with PoolConvertitori(2, cartella=tmp_path_factory.mktemp("profili"), timeout=30) as convertitori:
        yield convertitori
