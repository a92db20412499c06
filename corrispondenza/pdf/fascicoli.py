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

import pikepdf

from corrispondenza.pdf.flusso import ScrittorePdf
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
    """Write the bundle of ``voci`` (sorted here by postcode, then letter number) to ``uscita``.

    Written letter by letter (``pdf.flusso``): a bundle of thousands of letters is never whole
    in memory.
    """
    bianche = 0
    with scrivi_riservato(uscita) as file:
        scrittore = ScrittorePdf(file)
        for voce in sorted(voci, key=lambda v: (v.cap, v.lettera_id)):
            titolo = f"Lettera {voce.lettera_id} (CAP {voce.cap or '-'})"
            pagine = scrittore.aggiungi_pdf(voce.pdf, titolo)
            if pagine % 2:
                larghezza, altezza = _formato_ultima_pagina(voce.pdf)
                scrittore.pagina_bianca(larghezza, altezza)
                bianche += 1
        scrittore.chiudi(f"Fascicolo di stampa {uscita.stem}")
    return Fascicolo(uscita, len(voci), len(scrittore.pagine), bianche)


def _formato_ultima_pagina(pdf: Path) -> tuple[float, float]:
    with pikepdf.open(pdf, access_mode=pikepdf.AccessMode.stream) as lettera:
        riquadro = lettera.pages[-1].mediabox
        return float(riquadro[2]) - float(riquadro[0]), float(riquadro[3]) - float(riquadro[1])
