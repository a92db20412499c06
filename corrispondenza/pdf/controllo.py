"""Checks on what goes into LibreOffice (a real DOCX) and what comes out (a real PDF/A).

LibreOffice exits 0 even when it wrote nothing, and imports any file named ``.docx`` that is
not a DOCX as plain text, turning garbage into a tidy PDF (AMBIENTE.md §3). So the input is
checked before it is sent, and every output is opened and read before it is accepted.

Only pypdf is used, no poppler: the checks must work wherever the package is installed.
"""

from __future__ import annotations

import gc
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from corrispondenza.errors import PdfError

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
FILE_DI_FONT = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class InfoFont:
    """One font used by the PDF; a font not embedded falls back silently on the reader's side."""

    nome: str
    tipo: str
    incorporato: bool


@dataclass(frozen=True)
class InfoPdf:
    """What the checks read from a PDF: enough to accept it as a letter, or to say why not."""

    percorso: Path
    pagine: int
    pdfa_parte: str | None
    pdfa_conformita: str | None
    font: tuple[InfoFont, ...]
    segnalibri: tuple[str, ...]

    @property
    def pdfa(self) -> str | None:
        """The PDF/A level claimed in the XMP metadata, e.g. ``"2B"``; None when not claimed."""
        if self.pdfa_parte is None:
            return None
        return f"{self.pdfa_parte}{(self.pdfa_conformita or '').upper()}"

    @property
    def font_non_incorporati(self) -> tuple[str, ...]:
        return tuple(f.nome for f in self.font if not f.incorporato)

    def problemi_pdfa(self, livello: str = "2B") -> list[str]:
        """Italian reasons why this is not the archival PDF the letters must be (empty if it is)."""
        problemi = []
        if self.pdfa != livello:
            problemi.append(f"il PDF non è PDF/A-{livello} (dichiarato: {self.pdfa or 'nessuno'})")
        if self.font_non_incorporati:
            problemi.append(f"font non incorporati: {', '.join(self.font_non_incorporati)}")
        return problemi


PAGINE_DA_RACCOGLIERE = 20


def verifica_pdf(percorso: Path) -> InfoPdf:
    """Read the PDF at ``percorso``; raise PdfError if it is missing, unreadable or has no pages."""
    percorso = Path(percorso)
    _verifica_file(percorso)
    try:
        lettore = PdfReader(percorso, strict=False)
        pagine = len(lettore.pages)
    except Exception as exc:  # pypdf raises many types on damaged files: all mean "unreadable"
        raise PdfError(f"PDF illeggibile: {percorso.name} ({exc})", percorso=str(percorso)) from exc
    if pagine == 0:
        raise PdfError(f"PDF senza pagine: {percorso.name}", percorso=str(percorso))
    parte, conformita = _pdfa_dichiarato(lettore)
    info = InfoPdf(
        percorso=percorso,
        pagine=pagine,
        pdfa_parte=parte,
        pdfa_conformita=conformita,
        font=tuple(_font_del_documento(lettore)),
        segnalibri=tuple(_titoli(lettore)),
    )
    if pagine > PAGINE_DA_RACCOGLIERE:
        # pypdf's object graph is full of reference cycles: for a raccolta of 400 pages that is
        # about 10 MB that only the cyclic collector frees, and it runs too rarely on its own.
        del lettore
        gc.collect()
    return info


def _verifica_file(percorso: Path) -> None:
    """Cheap checks first: a file killed mid-write has the header but not the final %%EOF."""
    if not percorso.is_file():
        raise PdfError(f"PDF non trovato: {percorso}", percorso=str(percorso))
    with percorso.open("rb") as f:
        inizio = f.read(1024)
        f.seek(max(0, percorso.stat().st_size - 1024))
        fine = f.read()
    if not inizio:
        raise PdfError(f"PDF vuoto: {percorso.name}", percorso=str(percorso))
    if b"%PDF-" not in inizio:
        raise PdfError(f"non è un PDF: {percorso.name}", percorso=str(percorso))
    if b"%%EOF" not in fine:
        raise PdfError(f"PDF troncato (manca la fine del file): {percorso.name}", percorso=str(percorso))


def _pdfa_dichiarato(lettore: PdfReader) -> tuple[str | None, str | None]:
    """PDF/A part and conformance from the XMP packet; pypdf has no accessor for ``pdfaid``.

    LibreOffice writes them as elements, other producers as attributes: both are read.
    """
    try:
        xmp = lettore.xmp_metadata
    except Exception:  # a broken XMP packet is "no PDF/A claim", not an unreadable PDF
        return None, None
    if xmp is None:
        return None, None
    trovati: dict[str, str] = {}
    for descrizione in xmp.rdf_root.getElementsByTagNameNS(RDF, "Description"):
        for nome in ("part", "conformance"):
            if descrizione.getAttributeNS(PDFAID, nome):
                trovati[nome] = descrizione.getAttributeNS(PDFAID, nome)
            for elemento in descrizione.getElementsByTagNameNS(PDFAID, nome):
                testo = "".join(n.data for n in elemento.childNodes if n.nodeType == n.TEXT_NODE)
                trovati[nome] = testo.strip()
    return trovati.get("part"), trovati.get("conformance")


def _font_del_documento(lettore: PdfReader) -> list[InfoFont]:
    """Every font of every page, including those inside form XObjects, once per name."""
    per_nome: dict[str, InfoFont] = {}
    visti: set[int] = set()
    for pagina in lettore.pages:
        for font in _font_nelle_risorse(pagina.get("/Resources"), visti):
            info = _info_font(font)
            gia = per_nome.get(info.nome)
            if gia is None or (gia.incorporato and not info.incorporato):
                per_nome[info.nome] = info
    return sorted(per_nome.values(), key=lambda f: f.nome)


def _font_nelle_risorse(risorse: Any, visti: set[int]) -> Iterator[DictionaryObject]:
    """Font dictionaries of a resource dictionary, recursing into form XObjects once each."""
    risorse = _oggetto(risorse)
    if not isinstance(risorse, DictionaryObject) or id(risorse) in visti:
        return
    visti.add(id(risorse))
    for font in (_oggetto(risorse.get("/Font")) or {}).values():
        yield _oggetto(font)
    for xobject in (_oggetto(risorse.get("/XObject")) or {}).values():
        xobject = _oggetto(xobject)
        if xobject.get("/Subtype") == "/Form":
            yield from _font_nelle_risorse(xobject.get("/Resources"), visti)


def _info_font(font: DictionaryObject) -> InfoFont:
    """Embedded means a font program in the descriptor (FontFile, FontFile2 or FontFile3).

    A Type0 font keeps its descriptor on the descendant font; a Type3 font draws its glyphs
    with PDF operators, so it is embedded by construction.
    """
    tipo = str(font.get("/Subtype", "?"))
    nome = str(font.get("/BaseFont", font.get("/Name", "(senza nome)"))).lstrip("/")
    if tipo == "/Type3":
        return InfoFont(nome=nome, tipo=tipo, incorporato=True)
    descrittore_di = font
    if tipo == "/Type0":
        discendenti = _oggetto(font.get("/DescendantFonts")) or []
        descrittore_di = _oggetto(discendenti[0]) if discendenti else DictionaryObject()
    descrittore = _oggetto(descrittore_di.get("/FontDescriptor")) or {}
    return InfoFont(nome=nome, tipo=tipo, incorporato=any(k in descrittore for k in FILE_DI_FONT))


def _titoli(lettore: PdfReader) -> Iterator[str]:
    """Outline (bookmark) titles, depth first, in reading order."""

    def visita(voci: list[Any]) -> Iterator[str]:
        for voce in voci:
            if isinstance(voce, list):
                yield from visita(voce)
            else:
                yield str(voce.title)

    try:
        yield from visita(lettore.outline)
    except Exception:  # a damaged outline costs the bookmarks, not the letter
        return


def _oggetto(valore: Any) -> Any:
    return valore.get_object() if isinstance(valore, IndirectObject) else valore


def motivo_docx_non_valido(percorso: Path) -> str | None:
    """Why ``percorso`` is not a DOCX LibreOffice should convert; None when it is one.

    A DOCX is a ZIP (OPC package) whose ``[Content_Types].xml`` names a WordprocessingML main
    document that is present in the archive; every member must pass its CRC check.
    """
    percorso = Path(percorso)
    if not percorso.is_file():
        return f"file DOCX non trovato: {percorso}"
    if not zipfile.is_zipfile(percorso):
        return f"non è un file DOCX (non è un archivio ZIP): {percorso.name}"
    try:
        with zipfile.ZipFile(percorso) as archivio:
            danneggiato = archivio.testzip()
            if danneggiato is not None:
                return f"file DOCX danneggiato ({danneggiato}): {percorso.name}"
            return _motivo_parti(archivio, percorso.name)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        return f"file DOCX danneggiato ({exc}): {percorso.name}"


def _motivo_parti(archivio: zipfile.ZipFile, nome: str) -> str | None:
    try:
        tipi = ElementTree.fromstring(archivio.read("[Content_Types].xml"))
    except KeyError:
        return f"non è un file DOCX (manca [Content_Types].xml): {nome}"
    except ElementTree.ParseError:
        return f"file DOCX danneggiato ([Content_Types].xml illeggibile): {nome}"
    principali = [
        o.get("PartName", "").lstrip("/")
        for o in tipi.iter(f"{CONTENT_TYPES}Override")
        if o.get("ContentType") == DOCX_MAIN
    ]
    if not principali:
        return f"non è un documento Word (DOCX): {nome}"
    if principali[0] not in archivio.namelist():
        return f"file DOCX incompleto (manca {principali[0]}): {nome}"
    return None
