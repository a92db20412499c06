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
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from corrispondenza import __version__
from corrispondenza.errors import PdfError
from corrispondenza.orologio import adesso

PRODUTTORE = f"corrispondenza {__version__} (LibreOffice)"


@dataclass(frozen=True)
class LetteraPdf:
    id: int
    contenuto: bytes
    pagine: int


def pagine_delle_lettere(lettore: PdfReader, ids: list[int]) -> dict[int, range]:
    """The page range of each letter, from its named destination ``L<id>``."""
    destinazioni = lettore.named_destinations
    inizi = []
    mancanti = []
    for lettera_id in ids:
        dest = destinazioni.get(f"/L{lettera_id}") or destinazioni.get(f"L{lettera_id}")
        if dest is None:
            mancanti.append(lettera_id)
            continue
        inizi.append((lettore.get_destination_page_number(dest), lettera_id))
    if mancanti:
        raise PdfError(
            "Nel PDF della raccolta manca l'inizio di alcune lettere.",
            lettere=mancanti,
        )
    inizi.sort()
    if [i for _, i in inizi] != ids or inizi[0][0] != 0:
        raise PdfError("Le lettere della raccolta non sono nell'ordine atteso.", lettere=ids)
    confini = [p for p, _ in inizi] + [len(lettore.pages)]
    intervalli = {}
    for k, (inizio, lettera_id) in enumerate(inizi):
        if confini[k + 1] <= inizio:
            raise PdfError("Una lettera della raccolta non ha pagine.", lettera=lettera_id)
        intervalli[lettera_id] = range(inizio, confini[k + 1])
    return intervalli


def dividi(raccolta: Path | bytes, ids: list[int], quando: datetime | None = None) -> list[LetteraPdf]:
    """One standalone PDF/A-2b per letter, in the order of ``ids``."""
    lettore = PdfReader(io.BytesIO(raccolta) if isinstance(raccolta, bytes) else raccolta)
    intervalli = pagine_delle_lettere(lettore, ids)
    radice = lettore.trailer["/Root"]
    quando = quando or adesso()
    risultato = []
    for lettera_id in ids:
        scrittore = PdfWriter()
        pagine = intervalli[lettera_id]
        for numero in pagine:
            pagina = scrittore.add_page(_senza_rimandi(lettore, numero, pagine))
            for chiave in ("/StructParents", "/Tabs"):
                if chiave in pagina:
                    del pagina[NameObject(chiave)]
        _identita_pdfa(scrittore, radice, f"Lettera {lettera_id}", quando)
        uscita = io.BytesIO()
        scrittore.write(uscita)
        risultato.append(LetteraPdf(lettera_id, uscita.getvalue(), len(pagine)))
    return risultato


def _senza_rimandi(lettore: PdfReader, numero: int, pagine: range) -> object:
    """The page with internal links to other letters' pages removed (URI links stay)."""
    pagina = lettore.pages[numero]
    annotazioni = pagina.get("/Annots")
    if not annotazioni:
        return pagina
    proprie = {lettore.pages[i].indirect_reference for i in pagine}
    tenute = ArrayObject()
    for rif in annotazioni:
        annotazione = rif.get_object()
        destinazione = annotazione.get("/Dest")
        azione = annotazione.get("/A")
        if azione is not None and azione.get_object().get("/S") == "/GoTo":
            destinazione = azione.get_object().get("/D")
        if destinazione is not None:
            destinazione = destinazione.get_object() if hasattr(destinazione, "get_object") else destinazione
            if not (isinstance(destinazione, ArrayObject) and destinazione and destinazione[0] in proprie):
                continue  # a named destination or a page of another letter: dropped
        tenute.append(rif)
    pagina[NameObject("/Annots")] = tenute
    return pagina


def _identita_pdfa(scrittore: PdfWriter, radice: DictionaryObject, titolo: str, quando: datetime) -> None:
    """Document info, XMP with the PDF/A-2b claim, output intent and a fresh file identifier."""
    data_pdf = quando.strftime("D:%Y%m%d%H%M%S") + _fuso_pdf(quando)
    scrittore.add_metadata({"/Title": titolo, "/Producer": PRODUTTORE, "/CreationDate": data_pdf})
    xmp = _xmp(titolo, quando.isoformat(timespec="seconds"))
    flusso = DecodedStreamObject()
    flusso.set_data(xmp)
    flusso[NameObject("/Type")] = NameObject("/Metadata")
    flusso[NameObject("/Subtype")] = NameObject("/XML")
    catalogo = scrittore._root_object
    catalogo[NameObject("/Metadata")] = scrittore._add_object(flusso)
    if "/OutputIntents" in radice:
        catalogo[NameObject("/OutputIntents")] = radice["/OutputIntents"].clone(scrittore)
    if "/Lang" in radice:
        catalogo[NameObject("/Lang")] = TextStringObject(str(radice["/Lang"]))
    identificativo = ByteStringObject(uuid.uuid4().bytes)
    scrittore._ID = ArrayObject([identificativo, identificativo])


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
