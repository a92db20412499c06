"""User story: the legal office edits a template, checks it, previews it; the clerk generates."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from corrispondenza.pdf.controllo import verifica_pdf


def _sbaglia_campo_in_tabella(modello: Path) -> None:
    """What a person does in Word: mistype a field inside the credits table's row loop."""
    with zipfile.ZipFile(modello) as archivio:
        membri = {n: archivio.read(n) for n in archivio.namelist()}
    corpo = membri["word/document.xml"].decode()
    assert "c.numero_documento" in corpo
    membri["word/document.xml"] = corpo.replace("c.numero_documento", "c.numero_documeto", 1).encode()
    with zipfile.ZipFile(modello, "w") as archivio:
        for nome, contenuto in membri.items():
            archivio.writestr(nome, contenuto)


def test_modelli_campi_elenca_il_catalogo(cli) -> None:
    codice, uscita, _ = cli("modelli", "campi", "eredi", "--json")
    assert codice == 0
    campi = {c["campo"]: c for c in json.loads(uscita)}
    assert campi["crediti[].residuo"]["genere"] == "importo"
    assert campi["eredita.quota"]["lettere"] == ["eredi"]
    codice, uscita, _ = cli("modelli", "campi")
    assert codice == 0 and "{{ totali.totale|euro }}" in uscita


def test_modelli_verifica_nomina_il_campo_sbagliato_nella_tabella(spazio: Path, cli) -> None:
    config = str(spazio / "config.yaml")
    codice, uscita, _ = cli("--config", config, "modelli", "verifica")
    assert codice == 0 and "Modelli corretti" in uscita
    _sbaglia_campo_in_tabella(spazio / "modelli" / "sollecito.docx")
    codice, _, errore = cli("--config", config, "modelli", "verifica")
    assert codice == 3
    assert "sollecito.docx, corpo, paragrafo" in errore
    assert "campo sconosciuto «crediti[].numero_documeto»" in errore
    assert "forse «crediti[].numero_documento»" in errore
    codice, uscita, _ = cli("--config", config, "modelli", "verifica", "--json")
    assert codice == 3
    (problema,) = json.loads(uscita)["problemi"]
    assert problema["file"] == "sollecito.docx" and problema["campo"] == "crediti[].numero_documeto"


def test_modelli_verifica_tipo_sconosciuto(spazio: Path, cli) -> None:
    codice, _, errore = cli("--config", str(spazio / "config.yaml"), "modelli", "verifica", "diffida")
    assert codice == 2 and "lettera sconosciuta" in errore


@pytest.mark.integration
def test_modelli_anteprima_scrive_il_pdf(spazio: Path, tmp_path: Path, cli) -> None:
    dati = tmp_path / "dati.json"
    dati.write_text(
        json.dumps(
            {"destinatario": {"nominativo": 'Zoe "Zà" L\'Òrsola & C. <test>'}, "totali": {"totale": 1234.5}}
        ),
        encoding="utf-8",
    )
    uscita_pdf = tmp_path / "prova.pdf"
    codice, uscita, errore = cli(
        "--config", str(spazio / "config.yaml"), "modelli", "anteprima", "sollecito", "--dati", str(dati),
        "-o", str(uscita_pdf),
    )  # fmt: skip
    assert codice == 0, errore
    assert str(uscita_pdf) in uscita
    info = verifica_pdf(uscita_pdf)
    assert info.pdfa == "2B" and not info.font_non_incorporati
    testo = " ".join(p.extract_text() for p in PdfReader(uscita_pdf).pages).replace("\n", " ")
    assert 'Zoe "Zà" L\'Òrsola & C. <test>' in testo
    assert "1.234,50 €" in testo and "milleduecentotrentaquattro/50" in testo


@pytest.mark.parametrize(
    ("sostituto", "motivo"),
    [
        ("c.numero_documeto", "numero_documeto"),
        ("c.__class__.__mro__", "iniziano con «_»"),
        ("cycler", "cycler"),
        ("self", "self"),
    ],
)
def test_modelli_anteprima_rifiuta_un_modello_con_errori(
    spazio: Path, tmp_path: Path, cli, sostituto: str, motivo: str
) -> None:
    """A bad or malicious template stops before anything is rendered or written."""
    modello = spazio / "modelli" / "sollecito.docx"
    with zipfile.ZipFile(modello) as archivio:
        membri = {n: archivio.read(n) for n in archivio.namelist()}
    corpo = membri["word/document.xml"].decode()
    membri["word/document.xml"] = corpo.replace("c.numero_documento", sostituto, 1).encode()
    with zipfile.ZipFile(modello, "w") as archivio:
        for nome, contenuto in membri.items():
            archivio.writestr(nome, contenuto)
    uscita_pdf = tmp_path / "prova.pdf"
    prima = sorted(p.name for p in tmp_path.iterdir())
    codice, _, errore = cli(
        "--config", str(spazio / "config.yaml"), "modelli", "anteprima", "sollecito", "-o", str(uscita_pdf)
    )
    assert codice == 3 and motivo in errore
    assert sorted(p.name for p in tmp_path.iterdir()) == prima  # no side effect
