"""The print bundle writer: letters appended one at a time, a valid PDF at the end."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pypdf import PdfReader

from corrispondenza.pdf.flusso import ScrittorePdf


def _lettera(percorso: Path, nome: str, pagine: int) -> Path:
    """A tiny PDF written with pikepdf: one line of text per page, a shared font object."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for n in range(1, pagine + 1):
        testo = f"BT /F1 12 Tf 72 720 Td ({nome} pagina {n}) Tj ET".encode()
        pagina = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595.28, 841.89],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(testo),
        )
        pdf.pages.append(pikepdf.Page(pagina))
    pdf.save(percorso)
    return percorso


def test_concatena_con_segnalibri_e_pagine_bianche(tmp_path: Path) -> None:
    lettere = [_lettera(tmp_path / f"{n}.pdf", n, p) for n, p in (("Anna", 1), ("Bruno", 2), ("Carla", 3))]
    uscita = tmp_path / "fascicolo.pdf"
    with uscita.open("wb") as file:
        scrittore = ScrittorePdf(file)
        for lettera in lettere:
            if scrittore.aggiungi_pdf(lettera, f"Lettera {lettera.stem}") % 2:
                scrittore.pagina_bianca(595.28, 841.89)
        scrittore.chiudi("prova")
    with pikepdf.open(uscita) as pdf:
        assert pdf.check_pdf_syntax() == []
    lettore = PdfReader(uscita)
    testi = [p.extract_text().strip() for p in lettore.pages]
    assert testi == [
        "Anna pagina 1", "", "Bruno pagina 1", "Bruno pagina 2",
        "Carla pagina 1", "Carla pagina 2", "Carla pagina 3", "",
    ]  # fmt: skip
    segnalibri = [(s.title, lettore.get_destination_page_number(s)) for s in lettore.outline]
    assert segnalibri == [("Lettera Anna", 0), ("Lettera Bruno", 2), ("Lettera Carla", 4)]
    assert lettore.metadata.title == "prova"
