"""The python-docx layer under the default letters: A4 page, styles, tables, fields, template tags.

``modelli.predefiniti`` says *what* each letter says; this module says how it is laid out, so
each can be read alone (as python-docx keeps its domain objects apart from ``oxml``). Nothing
here knows about debt collection.

Choices that matter when the letters are printed:
- A4 with 20 mm margins: python-docx's own template is US Letter.
- One font, Calibri, set explicitly on the document defaults and on every style, for all four
  script slots (ascii, hAnsi, eastAsia, cs): the theme fonts of python-docx's template would
  otherwise let LibreOffice pick a different font for some characters. LibreOffice prints
  Calibri with Carlito, metric-compatible, so a letter breaks lines and pages as in Word and
  the PDF embeds only fonts installed here.
- Styles with Italian names ("Corpo lettera", "Oggetto", ...): the legal office restyles a whole
  kind of paragraph in Word without touching the text.
- docxtpl's paragraph and row tags (``{%p if %}``, ``{%tr for %}``) sit in paragraphs and rows of
  their own, which docxtpl removes when rendering: an optional line leaves no empty line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from docx import Document
from docx.document import Document as Documento
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Calibri"
"""The legal office's Word has it; LibreOffice prints it with Carlito (same metrics, make setup)."""

LINGUA = "it-IT"
LARGHEZZA_PAGINA_MM = 210
ALTEZZA_PAGINA_MM = 297
MARGINE_MM = 20
LARGHEZZA_TESTO_MM = LARGHEZZA_PAGINA_MM - 2 * MARGINE_MM

BLU = RGBColor(0x1F, 0x38, 0x64)
GRIGIO = RGBColor(0x59, 0x59, 0x59)
SFONDO_TESTATA = "DCE3EE"
SFONDO_ETICHETTA = "EEF1F6"
COLORE_FILETTO = "7F8FA9"
MARGINE_CELLA_MM = 1.5


class Grassetto(str):
    """A piece of a paragraph printed bold."""

    __slots__ = ()


class Allinea(Enum):
    SINISTRA = WD_ALIGN_PARAGRAPH.LEFT
    CENTRO = WD_ALIGN_PARAGRAPH.CENTER
    DESTRA = WD_ALIGN_PARAGRAPH.RIGHT
    GIUSTIFICATO = WD_ALIGN_PARAGRAPH.JUSTIFY


@dataclass(frozen=True)
class Stile:
    """A paragraph style of the letters, as the legal office sees it in Word's style list."""

    nome: str
    punti: float = 10
    grassetto: bool = False
    corsivo: bool = False
    colore: RGBColor | None = None
    allinea: Allinea = Allinea.SINISTRA
    prima: float = 0
    dopo: float = 4
    rientro_mm: float = 0
    sporgente_mm: float = 0  # hanging indent: "Oggetto:" and list dashes
    con_il_seguente: bool = False  # keep with next: headings never end a page

    @property
    def id(self) -> str:
        """The style id in each paragraph: the name in ASCII letters, ``Piè di pagina`` → ``Piedipagina``."""
        return unicodedata.normalize("NFKD", self.nome).encode("ascii", "ignore").decode().replace(" ", "")


CORPO = Stile("Corpo lettera", allinea=Allinea.GIUSTIFICATO, dopo=4)
TITOLETTO = Stile("Titoletto", grassetto=True, colore=BLU, prima=5, dopo=1, con_il_seguente=True)
INTRODUZIONE = Stile("Introduzione a tabella", allinea=Allinea.GIUSTIFICATO, dopo=3, con_il_seguente=True)
SPAZIO = Stile("Spazio dopo tabella", punti=5, dopo=0)
OGGETTO = Stile("Oggetto", grassetto=True, prima=8, dopo=1, sporgente_mm=18)
OGGETTO_NOTE = Stile("Oggetto note", dopo=8, rientro_mm=18)
RIFERIMENTI = Stile("Riferimenti lettera", punti=10, dopo=1)
DESTINATARIO = Stile("Destinatario", dopo=0)
MODALITA_INVIO = Stile("Modalità di invio", grassetto=True, corsivo=True, dopo=4)
VOCE = Stile("Voce di elenco", allinea=Allinea.GIUSTIFICATO, dopo=3, rientro_mm=8, sporgente_mm=5)
CELLA = Stile("Testo tabella", punti=9, dopo=0)
CELLA_TESTATA = Stile("Testata tabella", punti=8.5, grassetto=True, dopo=0)
NOTA = Stile("Nota", punti=8, colore=GRIGIO, allinea=Allinea.GIUSTIFICATO, dopo=2)
SALUTI = Stile("Saluti", prima=4, dopo=6)
FIRMA = Stile("Firma", allinea=Allinea.CENTRO, dopo=0, rientro_mm=80)
NOTA_FIRMA = Stile(
    "Nota firma", punti=7.5, colore=GRIGIO, allinea=Allinea.CENTRO, prima=3, dopo=0, rientro_mm=80
)
ENTE = Stile("Intestazione ente", punti=13, grassetto=True, colore=BLU, dopo=1)
INTESTAZIONE = Stile("Intestazione dati", punti=8.5, colore=GRIGIO, dopo=0)
PIE = Stile("Piè di pagina", punti=7.5, colore=GRIGIO, dopo=0)
TAG = Stile("Istruzione modello", punti=8, colore=GRIGIO, dopo=0)
"""The paragraphs holding ``{%p ... %}`` tags: removed when rendering, visible only in Word."""

STILI = (
    CORPO,
    TITOLETTO,
    INTRODUZIONE,
    SPAZIO,
    OGGETTO,
    OGGETTO_NOTE,
    RIFERIMENTI,
    DESTINATARIO,
    MODALITA_INVIO,
    VOCE,
    CELLA,
    CELLA_TESTATA,
    NOTA,
    SALUTI,
    FIRMA,
    NOTA_FIRMA,
    ENTE,
    INTESTAZIONE,
    PIE,
    TAG,
)


# -- document and page -----------------------------------------------------------------------


def nuovo_documento(titolo: str) -> Documento:
    """An empty A4 letter with the styles above and a different letterhead on page one."""
    documento = Document()
    _proprieta(documento, titolo)
    _font_predefinito(documento)
    for stile in STILI:
        _crea_stile(documento, stile)
    sezione = documento.sections[0]
    sezione.start_type = WD_SECTION_START.NEW_PAGE
    sezione.page_width = Mm(LARGHEZZA_PAGINA_MM)
    sezione.page_height = Mm(ALTEZZA_PAGINA_MM)
    sezione.left_margin = sezione.right_margin = Mm(MARGINE_MM)
    sezione.top_margin = Mm(18)
    sezione.bottom_margin = Mm(18)
    sezione.header_distance = Mm(8)
    sezione.footer_distance = Mm(8)
    sezione.different_first_page_header_footer = True
    return documento


def _proprieta(documento: Documento, titolo: str) -> None:
    """Title and author instead of python-docx's; no thumbnail of python-docx's sample page."""
    proprieta = documento.core_properties
    proprieta.title = titolo
    proprieta.author = proprieta.last_modified_by = "corrispondenza"
    proprieta.comments = (
        "Modello di lettera: i campi ammessi sono elencati da «corrispondenza modelli campi»."
    )
    proprieta.language = LINGUA
    proprieta.created = proprieta.modified = datetime.now(tz=UTC).replace(microsecond=0)
    relazioni = documento.part.package.rels
    for rid in [r.rId for r in relazioni.values() if r.reltype == RT.THUMBNAIL]:
        relazioni.pop(rid)


def _font_predefinito(documento: Documento) -> None:
    """Calibri for every script, Italian language, no theme fonts, single spacing."""
    predefiniti = documento.styles.element.find(qn("w:docDefaults"))
    rpr = predefiniti.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _imposta_rfonts(rpr)
    lingua = rpr.find(qn("w:lang"))
    lingua.set(qn("w:val"), LINGUA)
    lingua.set(qn("w:eastAsia"), LINGUA)
    spaziatura = predefiniti.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spaziatura.set(qn("w:after"), "0")
    spaziatura.set(qn("w:line"), "240")
    normale = documento.styles["Normal"]
    normale.font.size = Pt(10)
    _imposta_rfonts(normale.element.get_or_add_rPr())


def _imposta_rfonts(rpr: Any) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attributo in list(rfonts.attrib):
        del rfonts.attrib[attributo]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{slot}"), FONT)


def _crea_stile(documento: Documento, stile: Stile) -> ParagraphStyle:
    creato = documento.styles.add_style(stile.nome, WD_STYLE_TYPE.PARAGRAPH)
    creato.style_id = stile.id
    creato.base_style = documento.styles["Normal"]
    creato.quick_style = True
    font = creato.font
    font.size = Pt(stile.punti)
    font.bold = stile.grassetto or None
    font.italic = stile.corsivo or None
    if stile.colore is not None:
        font.color.rgb = stile.colore
    _imposta_rfonts(creato.element.get_or_add_rPr())
    formato = creato.paragraph_format
    formato.alignment = stile.allinea.value
    formato.space_before = Pt(stile.prima)
    formato.space_after = Pt(stile.dopo)
    formato.keep_with_next = stile.con_il_seguente or None
    formato.widow_control = True
    if stile.rientro_mm or stile.sporgente_mm:
        formato.left_indent = Mm(stile.rientro_mm + stile.sporgente_mm)
        formato.first_line_indent = Mm(-stile.sporgente_mm) if stile.sporgente_mm else None
    if stile.sporgente_mm:
        formato.tab_stops.add_tab_stop(Mm(stile.rientro_mm + stile.sporgente_mm))
    return creato


# -- paragraphs, runs and template tags ------------------------------------------------------


def paragrafo(contenitore: Any, stile: Stile, *pezzi: str, allinea: Allinea | None = None) -> Paragraph:
    """A paragraph of ``pezzi``: plain strings or ``Grassetto`` pieces.

    ``contenitore`` is anything python-docx can add a paragraph to: the document, a cell, a
    header or a footer. A new cell's empty paragraph is reused, so no blank line is left.
    """
    nuovo = _paragrafo_vuoto(contenitore)
    applica_stile(nuovo, stile)
    if allinea is not None:
        nuovo.alignment = allinea.value
    for pezzo in filter(None, pezzi):
        run = nuovo.add_run(str(pezzo))
        if isinstance(pezzo, Grassetto):
            run.bold = True
    return nuovo


def applica_stile(paragrafo_: Paragraph, stile: Stile) -> None:
    """Set the style by id: python-docx's lookup by name rescans every style (slow for 100 paragraphs)."""
    paragrafo_._p.style = stile.id


def _paragrafo_vuoto(contenitore: Any) -> Paragraph:
    if isinstance(contenitore, _Cell):
        esistenti = contenitore.paragraphs
        if len(esistenti) == 1 and not esistenti[0].runs and esistenti[0]._p.pPr is None:
            return esistenti[0]  # the paragraph every new cell has, not yet used
    return contenitore.add_paragraph()


@contextmanager
def blocco(contenitore: Any, apertura: str, chiusura: str) -> Iterator[None]:
    """Paragraphs between two docxtpl paragraph tags, e.g. ``{%p if x %}`` … ``{%p endif %}``."""
    paragrafo(contenitore, TAG, "{%p " + apertura + " %}")
    yield
    paragrafo(contenitore, TAG, "{%p " + chiusura + " %}")


def solo_se(contenitore: Any, condizione: str) -> Any:
    """The paragraphs inside appear only when ``condizione`` holds; otherwise no empty line."""
    return blocco(contenitore, f"if {condizione}", "endif")


def per_ogni(contenitore: Any, ciclo: str) -> Any:
    """The paragraphs inside are repeated, ``ciclo`` as in ``m in rateizzazione.motivi``."""
    return blocco(contenitore, f"for {ciclo}", "endfor")


def campo_word(paragrafo_: Paragraph, istruzione: str, segnaposto: str = "1") -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) as a complex field: begin, instruction, separate, end.

    Word and LibreOffice compute it when laying out the page; ``segnaposto`` is the value
    shown until they do.
    """
    _carattere_di_campo(paragrafo_, "begin")
    codice = OxmlElement("w:instrText")
    codice.set(qn("xml:space"), "preserve")
    codice.text = f" {istruzione} "
    paragrafo_.add_run()._r.append(codice)
    _carattere_di_campo(paragrafo_, "separate")
    paragrafo_.add_run(segnaposto)
    _carattere_di_campo(paragrafo_, "end")


def _carattere_di_campo(paragrafo_: Paragraph, tipo: str) -> None:
    carattere = OxmlElement("w:fldChar")
    carattere.set(qn("w:fldCharType"), tipo)
    paragrafo_.add_run()._r.append(carattere)


def tabulazione_destra(paragrafo_: Paragraph, posizione_mm: float) -> None:
    paragrafo_.paragraph_format.tab_stops.add_tab_stop(Mm(posizione_mm), WD_TAB_ALIGNMENT.RIGHT)


# -- tables ----------------------------------------------------------------------------------


def tabella(contenitore: Any, larghezze_mm: Sequence[float], *, bordi: str = "righe") -> Table:
    """A table with fixed column widths (Word reads the cells', LibreOffice the grid's).

    ``bordi``: ``"righe"`` thin horizontal rules (credits, plans), ``"riquadro"`` a frame with
    inner lines (payment details), ``"nessuno"`` (layout only: letterhead, recipient block).
    """
    if isinstance(contenitore, Documento):
        nuova = contenitore.add_table(rows=0, cols=len(larghezze_mm))
    else:
        nuova = contenitore.add_table(rows=0, cols=len(larghezze_mm), width=Mm(sum(larghezze_mm)))
    nuova.alignment = WD_TABLE_ALIGNMENT.LEFT
    nuova.autofit = False
    proprieta = nuova._tbl.tblPr
    _sostituisci(proprieta, "w:tblW", {"w:w": str(_twip(sum(larghezze_mm))), "w:type": "dxa"})
    margine_mm = 0 if bordi == "nessuno" else MARGINE_CELLA_MM
    # the indent is measured to the cell's text: this puts the table's edge on the page margin
    _sostituisci(proprieta, "w:tblInd", {"w:w": str(_twip(margine_mm)), "w:type": "dxa"})
    _margini_celle(proprieta, sinistra_mm=margine_mm)
    _bordi(proprieta, bordi)
    for colonna, larghezza in zip(nuova.columns, larghezze_mm, strict=True):
        colonna.width = Mm(larghezza)
    return nuova


def riga(
    tabella_: Table,
    celle: Sequence[str | Sequence[str]],
    *,
    stile: Stile = CELLA,
    allinea: Sequence[Allinea | None] = (),
    sfondo: str | None = None,
    unisci: int = 1,
    in_alto: bool = False,
) -> list[_Cell]:
    """One row; a cell is a string or a sequence of pieces (``Grassetto`` ...).

    ``unisci`` merges that many leading cells into the first (label spanning columns);
    ``in_alto`` aligns the cells' text to the top (layout tables) instead of the middle.
    """
    nuova = tabella_.add_row()
    _non_spezzare(nuova)
    celle_riga = list(nuova.cells)
    for cella, colonna in zip(celle_riga, tabella_.columns, strict=True):
        cella.width = colonna.width
        cella.vertical_alignment = (
            WD_CELL_VERTICAL_ALIGNMENT.TOP if in_alto else WD_CELL_VERTICAL_ALIGNMENT.CENTER
        )
    if unisci > 1:
        unita = celle_riga[0].merge(celle_riga[unisci - 1])
        celle_riga = [unita, *celle_riga[unisci:]]
    for i, (cella, contenuto) in enumerate(zip(celle_riga, celle, strict=True)):
        pezzi = [contenuto] if isinstance(contenuto, str) else list(contenuto)
        paragrafo(cella, stile, *pezzi, allinea=allinea[i] if i < len(allinea) else None)
        if sfondo:
            sfondo_cella(cella, sfondo)
    return celle_riga


def riga_tag(tabella_: Table, tag: str) -> None:
    """A row holding only a docxtpl row tag (``{%tr for c in crediti %}``): removed when rendering."""
    riga(tabella_, ["{%tr " + tag + " %}"], stile=TAG, unisci=len(tabella_.columns))


def tieni_insieme(tabella_: Table) -> None:
    """The table is never split across pages (a short box: the payment details)."""
    for riga_ in tabella_.rows[:-1]:
        for cella in riga_.cells:
            for paragrafo_ in cella.paragraphs:
                paragrafo_.paragraph_format.keep_with_next = True


def ripeti_come_testata(tabella_: Table) -> None:
    """The first row is repeated at the top of every page the table runs onto."""
    trpr = tabella_.rows[0]._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))


def sfondo_cella(cella: _Cell, colore: str) -> None:
    _sostituisci(
        cella._tc.get_or_add_tcPr(), "w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": colore}
    )


def _non_spezzare(riga_: Any) -> None:
    riga_._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _bordi(proprieta: Any, bordi: str) -> None:
    lati = {
        "righe": {"top": 6, "bottom": 6, "insideH": 2},
        "riquadro": {"top": 6, "bottom": 6, "left": 6, "right": 6, "insideH": 2, "insideV": 2},
        "nessuno": {},
    }[bordi]
    elemento = OxmlElement("w:tblBorders")
    for lato in ("top", "left", "bottom", "right", "insideH", "insideV"):
        bordo = OxmlElement(f"w:{lato}")
        spessore = lati.get(lato)
        if spessore is None:
            bordo.set(qn("w:val"), "nil")
        else:
            for chiave, valore in (("val", "single"), ("sz", str(spessore)), ("space", "0")):
                bordo.set(qn(f"w:{chiave}"), valore)
            bordo.set(qn("w:color"), COLORE_FILETTO)
        elemento.append(bordo)
    _rimpiazza_figlio(proprieta, elemento)


def _margini_celle(proprieta: Any, *, sinistra_mm: float) -> None:
    margini = OxmlElement("w:tblCellMar")
    for lato, mm in (("top", 0.6), ("left", sinistra_mm), ("bottom", 0.6), ("right", sinistra_mm)):
        margine = OxmlElement(f"w:{lato}")
        margine.set(qn("w:w"), str(_twip(mm)))
        margine.set(qn("w:type"), "dxa")
        margini.append(margine)
    _rimpiazza_figlio(proprieta, margini)


def filetto_sotto(paragrafo_: Paragraph) -> None:
    """A thin rule under a paragraph (letterhead on the following pages)."""
    _filetto(paragrafo_, "bottom")


def filetto_sopra(paragrafo_: Paragraph) -> None:
    _filetto(paragrafo_, "top")


def _filetto(paragrafo_: Paragraph, lato: str) -> None:
    ppr = paragrafo_._p.get_or_add_pPr()
    bordi = OxmlElement("w:pBdr")
    bordo = OxmlElement(f"w:{lato}")
    for chiave, valore in (("val", "single"), ("sz", "6"), ("space", "3"), ("color", COLORE_FILETTO)):
        bordo.set(qn(f"w:{chiave}"), valore)
    bordi.append(bordo)
    _rimpiazza_figlio(ppr, bordi)


def filetto_tabella_sotto(tabella_: Table) -> None:
    """A rule under a layout table (the letterhead of page one)."""
    bordo = tabella_._tbl.tblPr.find(qn("w:tblBorders")).find(qn("w:bottom"))
    for chiave, valore in (("val", "single"), ("sz", "8"), ("space", "0"), ("color", COLORE_FILETTO)):
        bordo.set(qn(f"w:{chiave}"), valore)


# -- XML details -------------------------------------------------------------------------------

_SEGUENTI = {
    "w:tblW": (
        "w:jc",
        "w:tblCellSpacing",
        "w:tblInd",
        "w:tblBorders",
        "w:shd",
        "w:tblLayout",
        "w:tblCellMar",
    ),
    "w:tblInd": ("w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"),
    "w:tblBorders": ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"),
    "w:tblCellMar": ("w:tblLook",),
    "w:pBdr": ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr"),
    "w:shd": ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"),
}
"""The elements that must follow each one we add (OOXML fixes the order; Word enforces it)."""


def _twip(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _sostituisci(genitore: Any, etichetta: str, attributi: dict[str, str]) -> None:
    elemento = OxmlElement(etichetta)
    for chiave, valore in attributi.items():
        elemento.set(qn(chiave), valore)
    _rimpiazza_figlio(genitore, elemento)


def _rimpiazza_figlio(genitore: Any, nuovo: Any) -> None:
    """Put ``nuovo`` in ``genitore``, replacing one of the same tag, in schema order."""
    vecchio = genitore.find(nuovo.tag)
    if vecchio is not None:
        vecchio.addprevious(nuovo)
        genitore.remove(vecchio)
    else:
        genitore.insert_element_before(nuovo, *_SEGUENTI[_prefissato(nuovo.tag)])


def _prefissato(tag: str) -> str:
    return "w:" + tag.split("}", 1)[1]
