"""Print bundles for the post room: one PDF per postal channel, ready for a duplex printer.

Letters are sorted by postcode (the post office's tariff areas and the franking machine both
want them so), each letter has a bookmark so the operator can find and reprint one, and a
blank page is added after a letter with an odd number of pages, so that every letter starts on
the front of a sheet when the bundle is printed on both sides (issue 5, genera LOTTO).

Bookmarks name the letter by number and postcode only: the bundle is opened on the post
room's workstation, and the recipient's name is already on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from corrispondenza.riservato import scrivi_riservato


@dataclass(frozen=True)
class VoceFascicolo:
    lettera_id: int
    cap: str
    pdf: Path


@dataclass(frozen=True)
class Fascicolo:
    percorso: Path
    lettere: int
    pagine: int  # including the blank ones
    bianche: int


def componi(voci: list[VoceFascicolo], uscita: Path) -> Fascicolo:
    """Write the bundle of ``voci`` (sorted here by postcode, then letter number) to ``uscita``."""
    scrittore = PdfWriter()
    bianche = 0
    for voce in sorted(voci, key=lambda v: (v.cap, v.lettera_id)):
        lettore = PdfReader(voce.pdf)
        prima = len(scrittore.pages)
        for pagina in lettore.pages:
            scrittore.add_page(pagina)
        titolo = f"Lettera {voce.lettera_id} (CAP {voce.cap or '-'})"
        scrittore.add_outline_item(title=titolo, page_number=prima)
        if len(lettore.pages) % 2:
            ultima = lettore.pages[-1].mediabox
            scrittore.add_blank_page(width=float(ultima.width), height=float(ultima.height))
            bianche += 1
    scrittore.add_metadata({"/Title": f"Fascicolo di stampa {uscita.stem}"})
    with scrivi_riservato(uscita) as file:
        scrittore.write(file)
    return Fascicolo(uscita, len(voci), len(scrittore.pages), bianche)
