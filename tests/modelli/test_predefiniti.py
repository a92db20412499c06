"""The default templates: valid for their kind, complete, A4; never overwriting the legal office's work."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from docx import Document
from docx.shared import Mm
from jinja2 import meta
from pypdf import PdfReader

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.modelli import campi
from corrispondenza.modelli.ambiente import AmbienteModelli
from corrispondenza.modelli.documento import FileModello, Parte
from corrispondenza.modelli.predefiniti import FILE_MESSAGGI, FILE_MODELLI, MESSAGGI, scrivi_modelli
from corrispondenza.modelli.rendi import Modello
from corrispondenza.modelli.verifica import verifica_modello

TIPI = list(FILE_MODELLI)
NOMINATIVO = "Carlo D'Angelo & Figli <S.r.l.> «Società»"  # the sample: & < > ' « » and accents


@pytest.fixture(scope="module")
def scritti(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The files ``scrivi_modelli`` wrote in an empty folder (built once: about a second)."""
    return scrivi_modelli(tmp_path_factory.mktemp("modelli"))


@pytest.fixture(scope="module")
def cartella(scritti: list[Path]) -> Path:
    return scritti[0].parent


@pytest.fixture
def copia(cartella: Path, tmp_path: Path) -> Path:
    """A folder with the default templates already in it, as after ``corrispondenza init``."""
    return Path(shutil.copytree(cartella, tmp_path / "modelli"))


def rendi(cartella: Path, tipo: TipoLettera, dati: dict[str, Any] | None = None) -> bytes:
    modello = Modello.carica(cartella / FILE_MODELLI[tipo], tipo)
    return modello.lettera(dati if dati is not None else campi.esempio(tipo))


def leggi_docx(contenuto: bytes) -> str:
    """Every paragraph of the body, its tables and the headers and footers, as python-docx reads them."""
    documento = Document(io.BytesIO(contenuto))
    righe = [p.text for p in documento.paragraphs]
    for tabella in documento.tables:
        righe += [cella.text for riga in tabella.rows for cella in riga.cells]
    for sezione in documento.sections:
        for parte in (sezione.first_page_header, sezione.header, sezione.first_page_footer, sezione.footer):
            righe += [p.text for p in parte.paragraphs]
            righe += [c.text for t in parte.tables for r in t.rows for c in r.cells]
    return "\n".join(righe)


def senza_facoltativi(dati: dict[str, Any], elenco: tuple[campi.Campo, ...]) -> dict[str, Any]:
    """The sample with every optional field empty, as a letter without protocol, PEC or pagoPA."""
    for campo in elenco:
        if campo.facoltativo:
            dati[campo.nome] = None
        elif campo.genere is campi.Genere.GRUPPO:
            senza_facoltativi(dati[campo.nome], campo.figli)
    return dati


# -- the DOCX templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_ogni_modello_supera_la_verifica_del_suo_tipo(cartella: Path, tipo: TipoLettera) -> None:
    assert verifica_modello(FileModello(cartella / FILE_MODELLI[tipo]), tipo) == []


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_la_lettera_di_esempio_riporta_destinatario_e_totale_intatti(
    cartella: Path, tipo: TipoLettera
) -> None:
    testo = leggi_docx(rendi(cartella, tipo))
    assert NOMINATIVO in testo
    assert "1.080,21 €" in testo
    assert "euro milleottanta/21" in testo
    assert "FT/2026/2087 <bis>" in testo and "15/03/2026" in testo
    assert "{{" not in testo and "{%" not in testo and "None" not in testo


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_senza_campi_facoltativi_nessuna_riga_vuota_o_monca(cartella: Path, tipo: TipoLettera) -> None:
    dati = senza_facoltativi(campi.esempio(tipo), campi.PER_TIPO[tipo])
    testo = leggi_docx(rendi(cartella, tipo, dati))
    for assente in ("None", "Prot. n.", "in qualità di", "PEC: ", "pagoPA", "Orari"):
        assert assente not in testo
    assert "Rif. REC-2026-000123" in testo


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_righe_dei_totali_solo_se_diverse_da_zero(cartella: Path, tipo: TipoLettera) -> None:
    dati = campi.esempio(tipo)
    dati["totali"].update(spese=Decimal("0.00"), totale=dati["totali"]["principale"])
    testo = leggi_docx(rendi(cartella, tipo, dati))
    assert "Spese postali e di notifica" not in testo
    assert "Totale dei residui" not in testo
    assert "1.070,71 €" in testo and "euro millesettanta/71" in testo


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_pagina_a4(cartella: Path, tipo: TipoLettera) -> None:
    for sezione in Document(str(cartella / FILE_MODELLI[tipo])).sections:
        assert abs(sezione.page_width - Mm(210)) < Mm(0.1)
        assert abs(sezione.page_height - Mm(297)) < Mm(0.1)
        assert Mm(15) <= sezione.left_margin <= Mm(25) and Mm(15) <= sezione.right_margin <= Mm(25)


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_intestazioni_e_pie_di_pagina_usano_solo_ente_e_struttura(cartella: Path, tipo: TipoLettera) -> None:
    file = FileModello(cartella / FILE_MODELLI[tipo])
    ambiente = AmbienteModelli()
    intestazioni = [p for p in file.parti if p.intestazione]
    assert len(intestazioni) >= 3  # first-page header, other pages' header, footers
    for parte in intestazioni:
        assert meta.find_undeclared_variables(ambiente.parse(parte.sorgente)) <= {"ente", "struttura"}


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_pie_di_pagina_con_campi_word_page_e_numpages(cartella: Path, tipo: TipoLettera) -> None:
    with zipfile.ZipFile(cartella / FILE_MODELLI[tipo]) as archivio:
        piedi = [
            archivio.read(n).decode() for n in archivio.namelist() if re.fullmatch(r"word/footer\d*\.xml", n)
        ]
    assert piedi
    for xml in piedi:
        assert "Pagina" in xml
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", xml)
        for tipo_campo in ("begin", "separate", "end"):
            assert xml.count(f'w:fldCharType="{tipo_campo}"') == 2


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_un_solo_font_dichiarato_senza_font_del_tema(cartella: Path, tipo: TipoLettera) -> None:
    """Theme fonts would let LibreOffice pick another font for some text (and embed it)."""
    with zipfile.ZipFile(cartella / FILE_MODELLI[tipo]) as archivio:
        stili = archivio.read("word/styles.xml").decode()
    impostazioni = re.findall(r"<w:rPrDefault>.*?</w:rPrDefault>", stili, re.S)[0]
    assert "Theme" not in impostazioni and "theme" not in impostazioni
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert f'w:{slot}="Calibri"' in impostazioni


def test_elementi_di_legge_per_tipo(cartella: Path) -> None:
    """The references LETTERE.md asks of each kind are in the rendered letter."""
    attesi = {
        TipoLettera.AVVISO: ["30 dicembre 2026", "Art. 5", "non tenga conto della presente", "L. 241/1990"],
        TipoLettera.SOLLECITO: [
            "art. 1219",
            "art. 2943",
            "15 giorni dal ricevimento",
            "ruolo",
            "24 rate",
            "50,00 €",
        ],
        TipoLettera.EREDI: ["condoglianze", "Anna Maria Rossi", "1/3", "art. 752", "rinuncia", "3.211,35 €"],
        TipoLettera.RATEIZZAZIONE_ACCOLTA: [
            "accolta",
            "28/12/2028",
            "89,99 €",
            "Art. 7 c. 6",
            "Servizio Bilancio",
        ],
        TipoLettera.RATEIZZAZIONE_RESPINTA: [
            "oltre i 15 giorni dal ricevimento del sollecito",
            "art. 1219",
            "ruolo",
        ],
    }
    for tipo, frasi in attesi.items():
        testo = leggi_docx(rendi(cartella, tipo))
        for frase in [*frasi, "GDPR", "https://www.ausl-esempio.it/privacy", "IT60X0542811101000000123456"]:
            assert frase in testo, f"{tipo}: manca «{frase}»"


# -- writing the files ----------------------------------------------------------------------------


def test_scrive_i_cinque_modelli_e_i_messaggi_leggibili_da_tutti(scritti: list[Path], cartella: Path) -> None:
    assert sorted(p.name for p in scritti) == sorted([*FILE_MODELLI.values(), FILE_MESSAGGI])
    for percorso in scritti:
        assert percorso.stat().st_mode & 0o777 == 0o644
    assert sorted(cartella.iterdir()) == sorted(scritti)  # no temporary file left behind


def test_non_sovrascrive_un_modello_modificato_se_non_richiesto(copia: Path) -> None:
    modificato = copia / FILE_MODELLI[TipoLettera.SOLLECITO]
    modificato.write_bytes(b"testo dell'ufficio legale")

    assert scrivi_modelli(copia) == []
    assert modificato.read_bytes() == b"testo dell'ufficio legale"

    riscritti = scrivi_modelli(copia, sovrascrivi=True)
    assert modificato in riscritti and len(riscritti) == len(FILE_MODELLI) + 1
    assert zipfile.is_zipfile(modificato)


def test_scrive_solo_i_file_mancanti(copia: Path) -> None:
    (copia / FILE_MESSAGGI).unlink()
    assert scrivi_modelli(copia) == [copia / FILE_MESSAGGI]


def test_nomi_dei_file_come_nella_configurazione_predefinita() -> None:
    from corrispondenza.config.schema import Modelli

    configurazione = Modelli()
    assert configurazione.messaggi == FILE_MESSAGGI
    assert configurazione.file == FILE_MODELLI


# -- messaggi.yaml --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messaggi(cartella: Path) -> dict[str, dict[str, str]]:
    testo = (cartella / FILE_MESSAGGI).read_text(encoding="utf-8")
    assert testo.startswith("# ")  # the Italian comment explaining the fields
    return yaml.safe_load(testo)


def test_messaggi_per_ogni_tipo_uguali_ai_predefiniti(messaggi: dict[str, dict[str, str]]) -> None:
    assert set(messaggi) == {t.value for t in TIPI}
    assert messaggi == {tipo.value: m for tipo, m in MESSAGGI.items()}


@pytest.mark.parametrize("tipo", TIPI, ids=str)
def test_messaggi_verificati_come_i_modelli(messaggi: dict[str, dict[str, str]], tipo: TipoLettera) -> None:
    messaggio = messaggi[tipo.value]
    parti = tuple(
        Parte("messaggi.yaml", f"{tipo.value}.{n}", t, intestazione=False) for n, t in messaggio.items()
    )
    assert verifica_modello(SimpleNamespace(nome=FILE_MESSAGGI, parti=parti), tipo) == []


@pytest.mark.parametrize("tipo", TIPI, ids=str)
@pytest.mark.parametrize("facoltativi", [True, False], ids=["con_facoltativi", "senza_facoltativi"])
def test_messaggi_resi_con_i_dati_di_esempio(
    messaggi: dict[str, dict[str, str]], tipo: TipoLettera, facoltativi: bool
) -> None:
    messaggio = messaggi[tipo.value]
    dati = campi.esempio(tipo)
    if not facoltativi:
        senza_facoltativi(dati, campi.PER_TIPO[tipo])
    ambiente = AmbienteModelli(xml=False)
    oggetto = ambiente.from_string(messaggio["oggetto"]).render(dati)
    testo = ambiente.from_string(messaggio["testo"]).render(dati)

    assert "\n" not in oggetto and "REC-2026-000123" in oggetto and "FT/2026/2087 <bis>" in oggetto
    assert "€" not in oggetto and not re.search(r"\d,\d\d", oggetto)  # never an amount in the subject
    assert NOMINATIVO in testo and "PDF" in testo and "ticket@ausl-esempio.it" in testo
    assert "Azienda USL di Esempio" in testo and "non è letta" in testo  # sample channel: PEC
    assert 3 <= len([r for r in testo.splitlines() if r.strip()]) <= 9
    assert "None" not in testo


# -- printed: LibreOffice ---------------------------------------------------------------------------


@pytest.mark.integration
def test_sollecito_in_pdf_due_pagine_con_tutti_i_font_incorporati(cartella: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdffonts") is None:
        pytest.fail("LibreOffice o poppler-utils non installati: eseguire `make setup`")
    docx = tmp_path / "sollecito.docx"
    docx.write_bytes(rendi(cartella, TipoLettera.SOLLECITO))
    profilo = f"-env:UserInstallation=file://{tmp_path / 'profilo'}"
    comando = [
        soffice,
        "--headless",
        "--norestore",
        profilo,
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
    ]
    subprocess.run([*comando, str(docx)], check=True, capture_output=True, timeout=120)
    pdf = tmp_path / "sollecito.pdf"
    assert pdf.exists(), "LibreOffice non ha prodotto il PDF"

    lettore = PdfReader(pdf)
    testo = "\n".join(pagina.extract_text() for pagina in lettore.pages)
    assert len(lettore.pages) == 2
    assert NOMINATIVO in testo and "1.080,21 €" in testo and "Pagina 2 di 2" in testo

    righe = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    fonts = [r.split() for r in righe.splitlines()[2:] if r.strip()]
    assert fonts
    for colonne in fonts:
        nome, incorporato = colonne[0], colonne[-5]
        assert incorporato == "yes", f"font non incorporato: {nome}"
        assert nome.split("+")[-1].startswith("Carlito"), f"font inatteso: {nome}"
