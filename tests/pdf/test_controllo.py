"""The checks that stand between LibreOffice and an accepted letter, without LibreOffice.

LibreOffice says "done" (exit status 0) whatever happened, so these checks are what decides;
here they meet the inputs and outputs that go wrong: garbage named .docx, a ZIP that is not a
Word document, a PDF cut short, a PDF without pages, a font not embedded.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from corrispondenza.errors import PdfError
from corrispondenza.pdf import dividi_in_blocchi, motivo_docx_non_valido, verifica_pdf
from corrispondenza.pdf.convertitore import MASSIMO_BLOCCO


def _pdf(pagine: int, *, font: bool = False) -> bytes:
    scrittore = PdfWriter()
    for _ in range(pagine):
        pagina = scrittore.add_blank_page(595, 842)
        if font:  # Helvetica, one of the 14 standard fonts: referenced, never embedded
            helvetica = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                }
            )
            pagina[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
            )
    uscita = io.BytesIO()
    scrittore.write(uscita)
    return uscita.getvalue()


def test_un_pdf_di_una_pagina_senza_pdfa_si_legge_ma_non_basta_per_una_lettera(tmp_path: Path) -> None:
    percorso = tmp_path / "semplice.pdf"
    percorso.write_bytes(_pdf(1))
    info = verifica_pdf(percorso)
    assert (info.pagine, info.pdfa, info.font, info.segnalibri) == (1, None, (), ())
    assert info.problemi_pdfa() == ["il PDF non è PDF/A-2B (dichiarato: nessuno)"]


def test_un_font_non_incorporato_e_segnalato_per_nome(tmp_path: Path) -> None:
    percorso = tmp_path / "helvetica.pdf"
    percorso.write_bytes(_pdf(2, font=True))
    info = verifica_pdf(percorso)
    assert info.font_non_incorporati == ("Helvetica",)
    assert "font non incorporati: Helvetica" in info.problemi_pdfa()


@pytest.mark.parametrize(
    ("contenuto", "messaggio"),
    [
        pytest.param(None, "PDF non trovato", id="assente"),
        pytest.param(b"", "PDF vuoto", id="vuoto"),
        pytest.param(b"Gentile debitore, questo non \xe8 un PDF", "non è un PDF", id="testo"),
        pytest.param(_pdf(1)[:200], "PDF troncato", id="troncato"),
        pytest.param(_pdf(0), "PDF senza pagine", id="senza-pagine"),
        pytest.param(b"%PDF-1.6\n" + b"\x00garbage" * 50 + b"\n%%EOF\n", "PDF illeggibile", id="illeggibile"),
    ],
)
def test_un_pdf_mancante_rotto_o_vuoto_e_un_errore_in_italiano(
    tmp_path: Path, contenuto: bytes | None, messaggio: str
) -> None:
    percorso = tmp_path / "lettera.pdf"
    if contenuto is not None:
        percorso.write_bytes(contenuto)
    with pytest.raises(PdfError, match=messaggio) as errore:
        verifica_pdf(percorso)
    assert errore.value.contesto["percorso"] == str(percorso)
    assert "PDF" in errore.value.messaggio


def _zip(percorso: Path, parti: dict[str, str]) -> Path:
    with zipfile.ZipFile(percorso, "w") as archivio:
        for nome, testo in parti.items():
            archivio.writestr(nome, testo)
    return percorso


TIPI_XLSX = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
TIPI_DOCX = TIPI_XLSX.replace("/xl/workbook.xml", "/word/document.xml").replace(
    "spreadsheetml.sheet", "wordprocessingml.document"
)


@pytest.mark.parametrize(
    ("prepara", "messaggio"),
    [
        pytest.param(lambda p: p, "file DOCX non trovato", id="assente"),
        pytest.param(
            lambda p: p.write_bytes(b"\x00\x01 garbage & <xml>"), "non è un archivio ZIP", id="garbage"
        ),
        pytest.param(lambda p: _zip(p, {"leggimi.txt": "ciao"}), "manca [Content_Types].xml", id="zip"),
        pytest.param(
            lambda p: _zip(p, {"[Content_Types].xml": TIPI_XLSX}), "non è un documento Word", id="xlsx"
        ),
        pytest.param(
            lambda p: _zip(p, {"[Content_Types].xml": TIPI_DOCX}), "manca word/document.xml", id="parti"
        ),
        pytest.param(lambda p: _zip(p, {"[Content_Types].xml": "<Types"}), "illeggibile", id="xml-rotto"),
    ],
)
def test_un_docx_finto_e_fermato_prima_di_libreoffice(tmp_path: Path, prepara, messaggio: str) -> None:
    percorso = tmp_path / "lettera.docx"
    prepara(percorso)
    assert messaggio in (motivo_docx_non_valido(percorso) or "")


def test_un_docx_vero_passa(tmp_path: Path, scrivi_lettera) -> None:
    assert motivo_docx_non_valido(scrivi_lettera(tmp_path / "vera.docx")) is None


def test_un_docx_con_un_membro_danneggiato_e_fermato(tmp_path: Path, scrivi_lettera) -> None:
    percorso = scrivi_lettera(tmp_path / "vera.docx")
    dati = bytearray(percorso.read_bytes())
    inizio = dati.find(b"word/document.xml") + len(b"word/document.xml")  # first local header's data
    dati[inizio + 10 : inizio + 20] = b"\xff" * 10
    percorso.write_bytes(bytes(dati))
    assert "danneggiato" in (motivo_docx_non_valido(percorso) or "")


@pytest.mark.parametrize(
    ("documenti", "processi", "dimensioni"),
    [
        pytest.param(0, 2, [], id="nessuno"),
        pytest.param(1, 2, [1], id="uno-su-due"),
        pytest.param(10, 2, [5, 5], id="pochi"),
        pytest.param(250, 2, [125, 125], id="250-su-due"),
        pytest.param(250, 1, [125, 125], id="250-su-uno"),
        pytest.param(500, 2, [125] * 4, id="500-su-due"),
        pytest.param(401, 1, [134, 134, 133], id="401-su-uno"),
        pytest.param(7, 4, [2, 2, 2, 1], id="resto"),
    ],
)
def test_i_blocchi_sono_di_al_massimo_200_e_tengono_occupati_tutti(
    documenti: int, processi: int, dimensioni: list[int]
) -> None:
    blocchi = dividi_in_blocchi(documenti, processi)
    assert [len(b) for b in blocchi] == dimensioni
    assert [i for b in blocchi for i in b] == list(range(documenti))
    assert all(len(b) <= MASSIMO_BLOCCO for b in blocchi)
