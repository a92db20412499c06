"""Rendering: one letter as a DOCX, and many letters in one DOCX for a single conversion."""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy

from docx import Document

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.modelli import campi
from corrispondenza.modelli.rendi import LetteraDaComporre, Modello

from .conftest import FaiModello

SOLLECITO = TipoLettera.SOLLECITO


def _testo(docx: bytes) -> str:
    documento = Document(io.BytesIO(docx))
    righe = [p.text for p in documento.paragraphs]
    for tabella in documento.tables:
        righe += [" | ".join(c.text for c in r.cells) for r in tabella.rows]
    return "\n".join(righe)


def _modello(fai_modello: FaiModello) -> Modello:
    percorso = fai_modello(
        ["Gentile {{ destinatario.nominativo }}", "Rif. {{ lettera.riferimento }}"],
        tabella=[
            ["{%tr for c in crediti %}", "", ""],
            ["{{ c.numero_documento }}", "{{ c.data_documento|data('breve') }}", "{{ c.residuo|euro }}"],
            ["{%tr endfor %}", "", ""],
        ],
        dopo_tabella=["Totale {{ totali.totale|euro }} (euro {{ totali.totale|in_lettere }})"],
        intestazione="{{ ente.denominazione }}",
        piede="Pagina {{ struttura.codice }}",
    )
    return Modello.carica(percorso, SOLLECITO)


def test_lettera_singola_con_caratteri_speciali_intatti(fai_modello: FaiModello) -> None:
    modello = _modello(fai_modello)
    testo = _testo(modello.lettera(campi.esempio(SOLLECITO)))
    assert "Gentile Carlo D'Angelo & Figli <S.r.l.> «Società»" in testo
    assert "FT/2026/2087 <bis> | 02/05/2026 | 36,15 €" in testo
    assert "Totale 1.080,21 € (euro milleottanta/21)" in testo
    assert "{{" not in testo and "{%" not in testo


def test_lettera_registra_lo_sha256_del_modello(fai_modello: FaiModello) -> None:
    import hashlib

    modello = _modello(fai_modello)
    assert modello.sha256 == hashlib.sha256(modello.file.percorso.read_bytes()).hexdigest()


def test_raccolta_una_sezione_e_un_segnalibro_per_lettera(fai_modello: FaiModello) -> None:
    modello = _modello(fai_modello)
    lettere = []
    for i, nome in ((11, "Anna Rossi"), (12, "Bruno Bianchi"), (13, "Carla Verdi")):
        dati = deepcopy(campi.esempio(SOLLECITO))
        dati["destinatario"]["nominativo"] = nome
        lettere.append(LetteraDaComporre(i, dati))
    docx = modello.raccolta(lettere, campi.esempio(SOLLECITO))
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert re.findall(r'w:name="(L\d+)"', xml) == ["L11", "L12", "L13"]
    assert xml.count("<w:sectPr") == 3  # two section breaks between letters + the last section
    assert xml.count('<w:pgNumType w:start="1"/>') == 3  # page numbers restart for every letter
    testo = _testo(docx)
    assert testo.index("Anna Rossi") < testo.index("Bruno Bianchi") < testo.index("Carla Verdi")
    # no extra paragraph: each letter keeps its own number of paragraphs
    singola = Document(io.BytesIO(modello.lettera(lettere[0].dati)))
    assert len(Document(io.BytesIO(docx)).paragraphs) == 3 * len(singola.paragraphs)


def test_raccolta_conta_le_pagine_della_lettera(fai_modello: FaiModello) -> None:
    """ "Pagina X di Y" in a raccolta counts the letter's pages, not the whole document's."""
    percorso = fai_modello(["Gentile {{ destinatario.nominativo }}"], piede="Pagina")
    with zipfile.ZipFile(percorso) as archivio:
        membri = {n: archivio.read(n) for n in archivio.namelist()}
    campo = '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'
    membri["word/footer1.xml"] = membri["word/footer1.xml"].decode().replace("</w:p>", campo, 1).encode()
    with zipfile.ZipFile(percorso, "w") as archivio:
        for nome, contenuto in membri.items():
            archivio.writestr(nome, contenuto)
    modello = Modello.carica(percorso, SOLLECITO)
    assert modello.conta_pagine
    singola = zipfile.ZipFile(io.BytesIO(modello.lettera(campi.esempio(SOLLECITO)))).read("word/footer1.xml")
    assert b"NUMPAGES" in singola  # the single letter is left as the office wrote it
    esempio = campi.esempio(SOLLECITO)
    docx = modello.raccolta(
        [LetteraDaComporre(7, esempio, pagine=2), LetteraDaComporre(8, esempio, 3)], esempio
    )
    pacchetto = zipfile.ZipFile(io.BytesIO(docx))
    for lettera, pagine in ((7, "2"), (8, "3")):
        piede = pacchetto.read(f"word/footer1_{lettera}.xml").decode()
        assert "NUMPAGES" not in piede and f"<w:t>{pagine}</w:t>" in piede
    rels = pacchetto.read("word/_rels/document.xml.rels").decode()
    tipi = pacchetto.read("[Content_Types].xml").decode()
    corpo = pacchetto.read("word/document.xml").decode()
    for lettera in (7, 8):
        (rid,) = re.findall(rf'Id="([^"]+)"[^>]*Target="footer1_{lettera}.xml"', rels)
        assert f'r:id="{rid}"' in corpo
        assert f'PartName="/word/footer1_{lettera}.xml"' in tipi
