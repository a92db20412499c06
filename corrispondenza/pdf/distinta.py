"""The distinta of raccomandate: the list the post office stamps when it accepts the letters.

One line per raccomandata A/R, in the order of the print bundle (postcode, then letter):
progressive number, recipient, address, postcode, weight class and cost. CSV (``;``, UTF-8
with BOM, for Excel and the post office's software) and PDF (to print and have stamped).
It holds names and addresses: written 0600 like every other file of the lotto.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from corrispondenza.config.schema import Config
from corrispondenza.errors import PdfError
from corrispondenza.modelli.filtri import euro
from corrispondenza.pdf.convertitore import Lavoro, PoolConvertitori
from corrispondenza.riservato import scrivi_byte_riservati

GRAMMI_PER_FOGLIO = Decimal("5")  # A4, 80 g/m²
GRAMMI_BUSTA = Decimal("6")
CLASSI_DI_PESO = ((20, "fino a 20 g"), (50, "oltre 20 g fino a 50 g"), (100, "oltre 50 g fino a 100 g"))


@dataclass(frozen=True)
class RigaDistinta:
    numero: int
    lettera: int
    destinatario: str
    indirizzo: str
    cap: str
    comune: str
    provincia: str
    classe_di_peso: str
    costo: Decimal


def classe_di_peso(pagine: int) -> str:
    """Printed duplex: two pages a sheet, plus the envelope."""
    grammi = GRAMMI_PER_FOGLIO * math.ceil(pagine / 2) + GRAMMI_BUSTA
    for limite, nome in CLASSI_DI_PESO:
        if grammi <= limite:
            return nome
    return "oltre 100 g"


def riga_distinta(
    numero: int, lettera_id: int, destinatario: dict[str, Any], pagine: int, costo: Decimal
) -> RigaDistinta:
    """One line, from the letter's ``destinatario`` data (``modelli.contesto``)."""
    return RigaDistinta(
        numero=numero,
        lettera=lettera_id,
        destinatario=destinatario["nominativo"],
        indirizzo=destinatario["indirizzo"],
        cap=destinatario["cap"],
        comune=destinatario["comune"],
        provincia=destinatario["provincia"],
        classe_di_peso=classe_di_peso(pagine),
        costo=costo,
    )


def scrivi_distinta(
    cartella: Path, elenco: list[RigaDistinta], config: Config, pool: PoolConvertitori
) -> Path:
    """Write ``distinta_raccomandate.csv`` and ``.pdf`` in ``cartella``; returns the CSV's path."""
    csv_percorso = cartella / "distinta_raccomandate.csv"
    scrivi_byte_riservati(csv_percorso, _csv(elenco))
    docx = cartella / ".distinta_raccomandate.docx"
    scrivi_byte_riservati(docx, _docx(elenco, config))
    try:
        (esito,) = pool.converti([Lavoro(docx, cartella / "distinta_raccomandate.pdf")])
    finally:
        docx.unlink(missing_ok=True)
    if not esito.ok:
        raise PdfError(f"Distinta delle raccomandate non convertita in PDF: {esito.motivo}")
    return csv_percorso


def _valori(r: RigaDistinta, costo: str) -> list[str]:
    """A line's cells, the same in the CSV and in the PDF."""
    return [str(r.numero), str(r.lettera), r.destinatario, r.indirizzo, r.cap, r.comune, r.provincia,
            r.classe_di_peso, costo]  # fmt: skip


def _csv(elenco: list[RigaDistinta]) -> bytes:
    testo = io.StringIO()
    scrittore = csv.writer(testo, delimiter=";", lineterminator="\r\n")
    scrittore.writerow(
        [
            "numero",
            "lettera",
            "destinatario",
            "indirizzo",
            "cap",
            "comune",
            "provincia",
            "classe_di_peso",
            "costo",
        ]
    )
    for r in elenco:
        scrittore.writerow(_valori(r, euro(r.costo, simbolo=False)))
    return ("\ufeff" + testo.getvalue()).encode("utf-8")


def _docx(elenco: list[RigaDistinta], config: Config) -> bytes:
    documento = Document()
    sezione = documento.sections[0]
    sezione.orientation = WD_ORIENT.LANDSCAPE
    sezione.page_width, sezione.page_height = Mm(297), Mm(210)
    for lato in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sezione, lato, Mm(15))
    stile = documento.styles["Normal"]
    stile.font.name = "Liberation Sans"
    stile.font.size = Pt(9)
    ente = config.ente
    documento.add_heading("Distinta delle raccomandate A/R", level=1)
    documento.add_paragraph(
        f"Mittente: {ente.denominazione}, {ente.indirizzo.via}, {ente.indirizzo.cap} "
        f"{ente.indirizzo.comune} ({ente.indirizzo.provincia})"
    )
    intestazioni = ("N.", "Lettera", "Destinatario", "Indirizzo", "CAP", "Comune", "Prov.", "Peso", "Costo")
    tabella = documento.add_table(rows=1, cols=len(intestazioni))
    tabella.style = "Table Grid"
    for cella, testo in zip(tabella.rows[0].cells, intestazioni, strict=True):
        cella.text = testo
        cella.paragraphs[0].runs[0].bold = True
    for r in elenco:
        for cella, testo in zip(tabella.add_row().cells, _valori(r, euro(r.costo)), strict=True):
            cella.text = testo
    totale = sum((r.costo for r in elenco), Decimal("0.00"))
    documento.add_paragraph(f"Totale: {len(elenco)} raccomandate, {euro(totale)}")
    documento.add_paragraph("\nTimbro e firma dell'ufficio postale accettante: ______________________")
    uscita = io.BytesIO()
    documento.save(uscita)
    return uscita.getvalue()
