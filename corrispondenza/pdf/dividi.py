"""Split the PDF of a raccolta into one PDF/A per letter, each carrying nothing of the others.

``modelli.rendi.Modello.raccolta`` puts a bookmark ``L<id>`` at the start of every letter;
LibreOffice exports it as a named destination, which gives the page where each letter starts.
Each letter's pages are copied into a new file that gets its own PDF/A-2b identity (XMP
metadata, output intent, document info), because the PEC attachment is the original of a
public act (CAD) and must stand alone.

What is deliberately *not* copied (issue 5: nothing of another recipient in a letter's file):
the outline and named destinations (they name every letter), the structure tree (it spans
the whole raccolta), and internal links whose target is a page of another letter. A link
annotation pointing to a page would otherwise drag that page, and its text, into the file.
Fonts are shared subsets: they hold glyph shapes, not text.
"""

from __future__ import annotations

import io
import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String

from corrispondenza import __version__
from corrispondenza.errors import PdfError
from corrispondenza.orologio import adesso

PRODUTTORE = f"corrispondenza {__version__} (LibreOffice)"


@dataclass(frozen=True)
class LetteraPdf:
    id: int
    contenuto: bytes
    pagine: int


def pagine_delle_lettere(raccolta: Pdf, ids: list[int]) -> dict[int, range]:
    """The page range of each letter, from its named destination ``L<id>``."""
    numeri = {pagina.objgen: i for i, pagina in enumerate(raccolta.pages)}
    coppie: list[tuple[str, object]] = []
    if "/Dests" in raccolta.Root:  # LibreOffice writes the PDF 1.1 form: a dictionary in the catalog
        coppie += [(str(k).lstrip("/"), v) for k, v in raccolta.Root.Dests.items()]
    if "/Names" in raccolta.Root and "/Dests" in raccolta.Root.Names:
        coppie += [(str(k), v) for k, v in pikepdf.NameTree(raccolta.Root.Names.Dests).items()]
    destinazioni: dict[str, int] = {}
    for nome, dest in coppie:
        dest = dest.D if isinstance(dest, Dictionary) else dest
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in numeri:
            destinazioni[nome] = numeri[dest[0].objgen]
    mancanti = [i for i in ids if f"L{i}" not in destinazioni]
    if mancanti:
        raise PdfError("Nel PDF della raccolta manca l'inizio di alcune lettere.", lettere=mancanti)
    inizi = [destinazioni[f"L{i}"] for i in ids]
    if inizi[0] != 0 or any(b <= a for a, b in itertools.pairwise(inizi)):
        raise PdfError("Le lettere della raccolta non sono nell'ordine atteso.", lettere=ids)
    confini = [*inizi, len(raccolta.pages)]
    return {i: range(confini[k], confini[k + 1]) for k, i in enumerate(ids)}


def dividi(raccolta: Path | bytes, ids: list[int], quando: datetime | None = None) -> list[LetteraPdf]:
    """One standalone PDF/A-2b per letter, in the order of ``ids``."""
    sorgente = io.BytesIO(raccolta) if isinstance(raccolta, bytes) else raccolta
    quando = quando or adesso()
    risultato = []
    try:
        pdf = pikepdf.open(sorgente, access_mode=pikepdf.AccessMode.stream)
    except pikepdf.PdfError as exc:
        raise PdfError(f"PDF della raccolta illeggibile: {exc}") from None
    with pdf:
        intervalli = pagine_delle_lettere(pdf, ids)
        for lettera_id in ids:
            pagine = intervalli[lettera_id]
            proprie = {pdf.pages[i].objgen for i in pagine}
            for i in pagine:
                _senza_rimandi(pdf.pages[i].obj, proprie)
            nuovo = Pdf.new()
            nuovo.pages.extend(pdf.pages[pagine.start : pagine.stop])
            for pagina in nuovo.pages:
                for chiave in ("/StructParents", "/Tabs"):
                    if chiave in pagina.obj:
                        del pagina.obj[chiave]
            _identita_pdfa(nuovo, pdf, f"Lettera {lettera_id}", quando)
            uscita = io.BytesIO()
            nuovo.save(uscita, static_id=False)
            risultato.append(LetteraPdf(lettera_id, uscita.getvalue(), len(pagine)))
    return risultato


def _senza_rimandi(pagina: Dictionary, proprie: set[tuple[int, int]]) -> None:
    """Drop internal links to other letters' pages (URI links stay): copying them would copy
    the target page, and its text, into this letter's file."""
    if "/Annots" not in pagina:
        return
    tenute = Array()
    for annotazione in pagina.Annots:
        destinazione = annotazione.get("/Dest")
        azione = annotazione.get("/A")
        if azione is not None and azione.get("/S") == Name.GoTo:
            destinazione = azione.get("/D")
        if destinazione is not None and not (
            isinstance(destinazione, Array) and len(destinazione) and destinazione[0].objgen in proprie
        ):
            continue  # a named destination or a page of another letter
        tenute.append(annotazione)
    pagina.Annots = tenute


def _identita_pdfa(nuovo: Pdf, raccolta: Pdf, titolo: str, quando: datetime) -> None:
    """Document info, XMP with the PDF/A-2b claim, output intent and a fresh file identifier."""
    data_pdf = quando.strftime("D:%Y%m%d%H%M%S") + _fuso_pdf(quando)
    nuovo.docinfo = nuovo.make_indirect(
        Dictionary(Title=String(titolo), Producer=String(PRODUTTORE), CreationDate=String(data_pdf))
    )
    xmp = nuovo.make_stream(_xmp(titolo, quando.isoformat(timespec="seconds")))
    xmp.Type, xmp.Subtype = Name.Metadata, Name.XML
    nuovo.Root.Metadata = xmp
    if "/OutputIntents" in raccolta.Root:
        intenti = raccolta.Root.OutputIntents
        nuovo.Root.OutputIntents = (
            nuovo.copy_foreign(intenti)
            if intenti.is_indirect
            else Array([nuovo.copy_foreign(x) if x.is_indirect else x for x in intenti])
        )
    if "/Lang" in raccolta.Root:
        nuovo.Root.Lang = String(str(raccolta.Root.Lang))
    identificativo = uuid.uuid4().bytes
    nuovo.trailer.ID = Array([String(identificativo), String(identificativo)])


def _fuso_pdf(quando: datetime) -> str:
    scarto = quando.utcoffset()
    if scarto is None:
        return "Z"
    minuti = int(scarto.total_seconds() // 60)
    segno = "+" if minuti >= 0 else "-"
    return f"{segno}{abs(minuti) // 60:02d}'{abs(minuti) % 60:02d}'"


def _xmp(titolo: str, quando: str) -> bytes:
    testo = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{titolo}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{quando}</xmp:CreateDate>
   <xmp:ModifyDate>{quando}</xmp:ModifyDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{PRODUTTORE}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return testo.encode("utf-8")
