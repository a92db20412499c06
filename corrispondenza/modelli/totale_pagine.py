""" "Pagina X di Y" in a raccolta: the Y of each letter, written in its own letterhead.

In a raccolta every letter is a section whose page numbers restart at 1, so ``PAGE`` is right.
The total is not: ``NUMPAGES`` counts the whole raccolta, and LibreOffice 7.4 does not compute
Word's ``SECTIONPAGES`` (it prints the field's cached value: "Pagina 2 di 1", measured). So
each letter gets its own copy of the headers and footers that show a total, with the field
replaced by the number of pages the letter is expected to have; ``genera`` checks the number
against the split PDF and redoes the few letters whose expectation was wrong.

This module works on the XML only: find the total fields, turn them into a marker, and add the
per-letter parts to the package (relationships and content types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SEGNAPOSTO = "\u2063PAGINE\u2063"  # invisible separators around a word no template contains
_CAMPI_TOTALE = re.compile(r"\b(NUMPAGES|SECTIONPAGES)\b")
_RELAZIONE = re.compile(r'<Relationship\b[^>]*\bId="([^"]+)"[^>]*\bTarget="([^"]+)"[^>]*/>')
_RIFERIMENTO = re.compile(r'(<w:(?:header|footer)Reference\b[^>]*\br:id=")([^"]+)(")')


def ha_totale(xml: str) -> bool:
    return bool(_CAMPI_TOTALE.search(xml))


def _w(nome: str) -> str:
    return f"{{{W}}}{nome}"


def con_segnaposto(xml: str) -> str:
    """Replace every page-total field (simple or complex) with a run holding ``SEGNAPOSTO``."""
    radice = etree.fromstring(xml.encode("utf-8"))
    for semplice in list(radice.iter(_w("fldSimple"))):
        if _CAMPI_TOTALE.search(semplice.get(_w("instr"), "")):
            semplice.addprevious(_run(semplice.find(f".//{_w('rPr')}")))
            semplice.getparent().remove(semplice)
    for paragrafo in list(radice.iter(_w("p"))):
        _sostituisci_complessi(paragrafo)
    return etree.tostring(radice, encoding="unicode", xml_declaration=False)


def _run(proprieta: etree._Element | None) -> etree._Element:
    run = etree.Element(_w("r"))
    if proprieta is not None:
        run.append(etree.fromstring(etree.tostring(proprieta)))
    testo = etree.SubElement(run, _w("t"))
    testo.text = SEGNAPOSTO
    return run


def _sostituisci_complessi(paragrafo: etree._Element) -> None:
    """begin … instrText NUMPAGES … separate … result … end → one run with the marker."""
    runs = [r for r in paragrafo if r.tag == _w("r")]
    i = 0
    while i < len(runs):
        inizio = runs[i].find(_w("fldChar"))
        if inizio is None or inizio.get(_w("fldCharType")) != "begin":
            i += 1
            continue
        profondita, istruzione, fine, risultato = 0, "", None, None
        for j in range(i, len(runs)):
            carattere = runs[j].find(_w("fldChar"))
            tipo = carattere.get(_w("fldCharType")) if carattere is not None else None
            if tipo == "begin":
                profondita += 1
            elif tipo == "end":
                profondita -= 1
                if profondita == 0:
                    fine = j
                    break
            elif tipo == "separate" and profondita == 1:
                risultato = runs[j + 1] if j + 1 < len(runs) else None
            elif profondita == 1:
                istruzione += "".join(runs[j].itertext()) if runs[j].find(_w("instrText")) is not None else ""
        if fine is None or not _CAMPI_TOTALE.search(istruzione):
            i = (fine or i) + 1
            continue
        modello = risultato if risultato is not None else runs[i]
        runs[i].addprevious(_run(modello.find(_w("rPr"))))
        for run in runs[i : fine + 1]:
            paragrafo.remove(run)
        runs = [r for r in paragrafo if r.tag == _w("r")]
        i += 1


@dataclass(frozen=True)
class ParteConTotale:
    """A header or footer that shows the total: its relationship id, file and XML with the marker."""

    relazione: str
    nome: str  # "footer1.xml"
    xml: str


def relazioni(rels_xml: str) -> dict[str, str]:
    """``document.xml.rels``: relationship id → target file name."""
    return {m.group(1): m.group(2) for m in _RELAZIONE.finditer(rels_xml)}


def per_lettera(
    parti: list[ParteConTotale], lettera_id: int, pagine: int
) -> tuple[dict[str, str], dict[str, str]]:
    """The letter's own copies: ({new rel id: file}, {file: xml}) with the total written in."""
    nuove_relazioni, nuovi_file = {}, {}
    for parte in parti:
        nome = parte.nome.replace(".xml", f"_{lettera_id}.xml")
        nuove_relazioni[f"{parte.relazione}_{lettera_id}"] = nome
        nuovi_file[nome] = parte.xml.replace(SEGNAPOSTO, str(pagine))
    return nuove_relazioni, nuovi_file


def riferisci(sezione: str, parti: list[ParteConTotale], lettera_id: int) -> str:
    """Point a section's header/footer references to the letter's own copies."""
    da_cambiare = {p.relazione for p in parti}

    def cambia(m: re.Match[str]) -> str:
        rid = m.group(2)
        return f"{m.group(1)}{rid}_{lettera_id}{m.group(3)}" if rid in da_cambiare else m.group(0)

    return _RIFERIMENTO.sub(cambia, sezione)


def aggiungi_relazioni(rels_xml: str, tipo_di: dict[str, str], nuove: dict[str, str]) -> str:
    """``nuove``: rel id → file; ``tipo_di``: file → relationship Type of the original part."""
    righe = "".join(
        f'<Relationship Id="{rid}" Type="{tipo_di[file]}" Target="{file}"/>' for rid, file in nuove.items()
    )
    return rels_xml.replace("</Relationships>", righe + "</Relationships>")


def aggiungi_tipi(content_types: str, tipo_contenuto_di: dict[str, str], file: list[str]) -> str:
    righe = "".join(f'<Override PartName="/word/{f}" ContentType="{tipo_contenuto_di[f]}"/>' for f in file)
    return content_types.replace("</Types>", righe + "</Types>")


def tipo_relazione(rels_xml: str, rid: str) -> str:
    trovato = re.search(rf'<Relationship\b[^>]*\bId="{re.escape(rid)}"[^>]*/>', rels_xml)
    tipo = re.search(r'\bType="([^"]+)"', trovato.group(0)) if trovato else None
    if tipo is None:
        raise ValueError(f"relazione {rid} non trovata")
    return tipo.group(1)
