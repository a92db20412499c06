"""A DOCX template as the renderer sees it: its XML parts turned into Jinja sources.

The layer under ``modelli.rendi`` and ``modelli.verifica`` (as python-docx keeps its domain
objects apart from the XML beneath). A DOCX is a zip of XML parts; the letter's text lives in
``word/document.xml`` and the letterhead in ``word/header*.xml`` / ``word/footer*.xml``.
Word splits a ``{{ field }}`` typed by a person into several runs; docxtpl's ``patch_xml``
joins them back and turns ``{%tr %}`` into a loop around the table row, so the legal office
writes templates exactly as docxtpl documents them.

Each paragraph is put on a line of its own before parsing: Jinja reports line numbers, and a
line number then names the paragraph a problem is in.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from docxtpl import DocxTemplate

from corrispondenza.errors import ModelloNonValidoError, Problema

_PATCH = DocxTemplate(None)  # patch_xml is a pure text function; the instance holds no document
_INIZIO_PARAGRAFO = re.compile(r"<w:p([ >])")
_A_CAPO_PARAGRAFO = re.compile(r"\n<w:p([ >])")
_ETICHETTE = re.compile(r"<[^>]+>")
_CORPO = re.compile(r"(?s)^(.*?<w:body>)(.*?)(<w:sectPr\b.*</w:sectPr>\s*</w:body>.*)$")
_CORPO_SENZA_SEZIONE = re.compile(r"(?s)^(.*?<w:body>)(.*?)(</w:body>.*)$")

CORPO = "word/document.xml"


@dataclass(frozen=True)
class Parte:
    """One XML part with Jinja in it: the body, a header or a footer."""

    nome: str  # zip member name
    descrizione: str  # Italian, for messages: "corpo", "intestazione (header1.xml)"
    sorgente: str  # the Jinja source: patched XML, one paragraph per line
    intestazione: bool  # header or footer: shared by the letters of a batch

    def paragrafo(self, riga: int | None) -> tuple[int, str]:
        """Paragraph number (1-based) and its visible text, for the Jinja line ``riga``."""
        righe = self.sorgente.split("\n")
        if not riga:
            return 0, ""
        riga = min(riga, len(righe))
        numero = sum(1 for r in righe[:riga] if _INIZIO_PARAGRAFO.match(r))
        testo = _ETICHETTE.sub("", righe[riga - 1]).strip()
        return numero, testo if len(testo) <= 120 else testo[:117] + "…"

    def dove(self, riga: int | None) -> str:
        numero, testo = self.paragrafo(riga)
        if not numero:
            return self.descrizione
        return f"{self.descrizione}, paragrafo {numero} «{testo}»"


class FileModello:
    """A template file read once: its bytes, hash and Jinja parts."""

    def __init__(self, percorso: Path) -> None:
        self.percorso = percorso
        try:
            self.contenuto = percorso.read_bytes()
        except OSError as exc:
            raise ModelloNonValidoError(
                f"Modello {percorso.name} non leggibile: {exc.strerror}", file=str(percorso)
            ) from None
        self.sha256 = hashlib.sha256(self.contenuto).hexdigest()
        try:
            with zipfile.ZipFile(percorso) as archivio:
                self.membri = {n: archivio.read(n) for n in archivio.namelist()}
        except (zipfile.BadZipFile, OSError):
            raise ModelloNonValidoError(
                f"Il modello {percorso.name} non è un documento Word (.docx) valido.",
                [
                    Problema(
                        "il file non è un documento .docx (salvarlo da Word o LibreOffice in formato Word)"
                    )
                ],
                file=str(percorso),
            ) from None
        if CORPO not in self.membri:
            raise ModelloNonValidoError(
                f"Il modello {percorso.name} non è un documento Word (.docx) valido.",
                [Problema("manca il testo del documento (word/document.xml)")],
                file=str(percorso),
            )

    @property
    def nome(self) -> str:
        return self.percorso.name

    def xml(self, nome: str) -> str:
        return self.membri[nome].decode("utf-8")

    @cached_property
    def corpo(self) -> tuple[str, str, str]:
        """``document.xml`` as (everything up to ``<w:body>``, the letter, the last section and the end)."""
        xml = self.xml(CORPO)
        trovato = _CORPO.match(xml) or _CORPO_SENZA_SEZIONE.match(xml)
        if trovato is None:
            raise ModelloNonValidoError(
                f"Il modello {self.nome} non è un documento Word (.docx) valido.",
                [Problema("il documento non ha un corpo (w:body)", file=self.nome)],
            )
        return trovato.group(1), trovato.group(2), trovato.group(3)

    @cached_property
    def parti(self) -> tuple[Parte, ...]:
        """The body first, then headers and footers in name order."""
        parti = [Parte(CORPO, "corpo", sorgente(self.corpo[1]), intestazione=False)]
        for nome in sorted(self.membri, key=lambda n: ("footer" in n, n)):
            trovato = re.fullmatch(r"word/(header|footer)(\d*)\.xml", nome)
            if trovato:
                tipo = "intestazione" if trovato.group(1) == "header" else "piè di pagina"
                descrizione = f"{tipo} ({nome.removeprefix('word/')})"
                parti.append(Parte(nome, descrizione, sorgente(self.xml(nome)), intestazione=True))
        return tuple(parti)


def sorgente(xml: str) -> str:
    """Word's XML as a Jinja source: tags joined across runs, one paragraph per line."""
    return _INIZIO_PARAGRAFO.sub(r"\n<w:p\1", _PATCH.patch_xml(xml))


def ricomponi(xml: str) -> str:
    """Undo the line breaks ``sorgente`` added (they are not part of the document)."""
    return _A_CAPO_PARAGRAFO.sub(r"<w:p\1", xml)
