"""User story: the clerk runs ``genera LOTTO`` on an approved lotto and gets one PDF/A per
letter, the print bundles and the distinta; a second run redoes only what is missing.

Real parts throughout: SQLite, the default templates written by ``init``, LibreOffice.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import stat
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from corrispondenza import lotti
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.genera import genera_lotto
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.pdf.controllo import verifica_pdf
from corrispondenza.pdf.convertitore import PoolConvertitori
from corrispondenza.regole.parametri import Parametri
from corrispondenza.stato import StatoLettera, StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Evento, Lettera, Lotto, Soggetto
from corrispondenza.workspace import inizializza

pytestmark = pytest.mark.integration

OGGI = date(2026, 11, 23)
STRUTTURE = {"a": "TICKET", "e": "TICKET", "b": "BILANCIO", "c": "BILANCIO", "d": "BILANCIO", "f": "BILANCIO"}


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PoolConvertitori]:
    with PoolConvertitori(2, cartella=tmp_path_factory.mktemp("profili"), timeout=120) as convertitori:
        yield convertitori


@pytest.fixture(scope="module")
def lotto_generato(
    tmp_path_factory: pytest.TempPathFactory, pool: PoolConvertitori
) -> tuple[ConfigCaricata, int, object]:
    """A workspace with ~120 sample credits, planned, approved and generated once."""
    cartella = tmp_path_factory.mktemp("ufficio")
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    campione = genera_campione(120, seed=3, oggi=OGGI, strutture=STRUTTURE)
    file = scrivi_campione(campione, cartella / "dati")
    engine = apri(cfg.database_url)
    contesto = Contesto(oggi=OGGI, strutture=frozenset(cfg.config.ente.strutture), op=Operazione("test"))
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        assert not importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto).errori
    with sessione(engine) as s:
        esito = lotti.pianifica(s, Operazione("test"), OGGI, Parametri.da_config(cfg.config))
        assert esito.lotto_id is not None
        lotti.cambia_stato_lotto(s, Operazione("test"), esito.lotto_id, StatoLotto.APPROVATA)
    risultato = genera_lotto(engine, cfg, esito.lotto_id, Operazione("test"), pool=pool)
    engine.dispose()
    return cfg, esito.lotto_id, risultato


def _lettere(cfg: ConfigCaricata, lotto: int) -> list[Lettera]:
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        lettere = list(s.scalars(select(Lettera).where(Lettera.lotto_id == lotto).order_by(Lettera.id)))
    engine.dispose()
    return lettere


def test_un_pdf_a_per_lettera_file_riservati(lotto_generato) -> None:
    cfg, lotto, esito = lotto_generato
    lettere = _lettere(cfg, lotto)
    assert esito.fallite == {}
    assert esito.generate == len(lettere) > 10
    cartella = cfg.outbox / str(lotto)
    for sotto in (cartella, cartella / "lettere", cartella / "stampa"):
        assert stat.S_IMODE(sotto.stat().st_mode) == 0o700
    nomi = sorted(p.name for p in (cartella / "lettere").iterdir())
    assert nomi == sorted(f"{x.id}.pdf" for x in lettere)  # no personal data in file names
    for x in lettere:
        pdf = cartella / "lettere" / f"{x.id}.pdf"
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
        info = verifica_pdf(pdf)
        assert (info.pdfa_parte, info.pdfa_conformita) == ("2", "B")
        assert info.pagine >= 1 and not info.font_non_incorporati
    assert not (cartella / ".lavoro").exists()


def test_pagina_x_di_y_conta_le_pagine_della_lettera(lotto_generato) -> None:
    """Letters split from one raccolta still say "Pagina 2 di 2", not the raccolta's total."""
    cfg, lotto, _ = lotto_generato
    for pdf in (cfg.outbox / str(lotto) / "lettere").iterdir():
        pagine = PdfReader(pdf).pages
        for numero, pagina in enumerate(pagine, start=1):
            assert f"Pagina {numero} di {len(pagine)}" in pagina.extract_text(), pdf.name


def test_pdffonts_tutti_incorporati(lotto_generato) -> None:
    cfg, lotto, _ = lotto_generato
    pdf = next((cfg.outbox / str(lotto) / "lettere").iterdir())
    righe = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout.splitlines()[
        2:
    ]
    assert righe
    for riga in righe:
        assert riga.split()[-5] == "yes", riga  # the "emb" column


def test_ogni_lettera_contiene_solo_il_proprio_destinatario(lotto_generato) -> None:
    """Split from one raccolta, each file carries nothing of any other letter (issue 5)."""
    cfg, lotto, _ = lotto_generato
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        lettere = list(s.scalars(select(Lettera).where(Lettera.lotto_id == lotto)))
        cf = {x.id: s.get(Soggetto, x.destinatario_id).codice_fiscale for x in lettere}
        nomi = {x.id: _nome(s.get(Soggetto, x.destinatario_id)) for x in lettere}
    engine.dispose()
    cartella = cfg.outbox / str(lotto) / "lettere"
    divise = 0
    for x in lettere:
        pdf = cartella / f"{x.id}.pdf"
        testo = "".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert nomi[x.id] in testo.replace("\n", " ")
        grezzo = _decompresso(pdf)
        for i in (i for i in cf if cf[i] != cf[x.id]):
            for codifica in ("utf-8", "utf-16-be"):
                assert cf[i].encode(codifica) not in grezzo
                if nomi[i] != nomi[x.id]:
                    assert nomi[i].encode(codifica) not in grezzo
            assert nomi[i] not in testo or nomi[i] == nomi[x.id]
        lettore = PdfReader(pdf)
        assert not any(n.lstrip("/").startswith("L") for n in lettore.named_destinations)
        if lettore.metadata.producer.startswith("corrispondenza"):  # split from a raccolta
            assert not lettore.outline
            assert "/StructTreeRoot" not in lettore.trailer["/Root"]
            divise += 1
    assert divise > len(lettere) // 2  # most letters come from raccolte


def _nome(x: Soggetto) -> str:
    return x.ragione_sociale or f"{x.nome} {x.cognome}"


def _decompresso(pdf: Path) -> bytes:
    """Every stream of the file inflated, plus the file itself: what a forensic look would see."""
    dati = pdf.read_bytes()
    pezzi = [dati]
    for trovato in re.finditer(rb"stream\r?\n(.*?)endstream", dati, re.S):
        with contextlib.suppress(zlib.error):  # not every stream is deflated (images, fonts)
            pezzi.append(zlib.decompress(trovato.group(1)))
    return b"\n".join(pezzi)


def test_manifesto_e_database_allineati(lotto_generato) -> None:
    import hashlib

    cfg, lotto, _ = lotto_generato
    cartella = cfg.outbox / str(lotto)
    manifesto = json.loads((cartella / "manifest.json").read_text(encoding="utf-8"))
    assert stat.S_IMODE((cartella / "manifest.json").stat().st_mode) == 0o600
    per_id = {v["lettera"]: v for v in manifesto["lettere"]}
    for x in _lettere(cfg, lotto):
        voce = per_id[x.id]
        pdf = cartella / voce["file"]
        assert voce["pdf_sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest() == x.pdf_sha256
        assert voce["destinatario"] == x.destinatario_id and voce["canale"] == x.canale
        assert voce["modello_sha256"] == x.modello_sha256
        modello = cfg.modelli / cfg.config.modelli.file[x.tipo]
        assert x.modello_sha256 == hashlib.sha256(modello.read_bytes()).hexdigest()
        assert voce["pagine"] == x.pagine == len(PdfReader(pdf).pages)
        assert x.stato == StatoLettera.GENERATA
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        assert s.get(Lotto, lotto).stato == StatoLotto.GENERATA
        assert s.scalar(select(Evento).where(Evento.cosa == "lotto.generato")) is not None
    engine.dispose()


def test_fascicoli_di_stampa_per_cap_con_pagine_bianche(lotto_generato) -> None:
    cfg, lotto, esito = lotto_generato
    cartella = cfg.outbox / str(lotto)
    postali = {
        c: [x for x in _lettere(cfg, lotto) if x.canale == c] for c in ("posta_ordinaria", "raccomandata_ar")
    }
    assert any(postali.values())
    for canale, lettere in postali.items():
        percorso = cartella / "stampa" / f"{canale}.pdf"
        if not lettere:
            assert not percorso.exists()
            continue
        lettore = PdfReader(percorso)
        segnalibri = lettore.outline
        assert len(segnalibri) == len(lettere)
        attese = sum(x.pagine + x.pagine % 2 for x in lettere)
        assert len(lettore.pages) == attese
        inizi = [lettore.get_destination_page_number(b) for b in segnalibri]
        assert all(p % 2 == 0 for p in inizi)  # every letter starts on the front of a sheet
        cap = [re.search(r"CAP (\S+)", b.title).group(1) for b in segnalibri]
        assert cap == sorted(cap)
        assert esito.fascicoli[canale].lettere == len(lettere)


def test_distinta_raccomandate(lotto_generato) -> None:
    cfg, lotto, _ = lotto_generato
    raccomandate = [x for x in _lettere(cfg, lotto) if x.canale == "raccomandata_ar"]
    if not raccomandate:
        pytest.skip("nessuna raccomandata nel campione")
    stampa = cfg.outbox / str(lotto) / "stampa"
    righe = (stampa / "distinta_raccomandate.csv").read_text(encoding="utf-8-sig").splitlines()
    assert righe[0].startswith("numero;lettera;destinatario;indirizzo;cap")
    assert len(righe) == len(raccomandate) + 1
    assert all(r.endswith(";9,50") for r in righe[1:])
    assert verifica_pdf(stampa / "distinta_raccomandate.pdf").pagine >= 1
    assert stat.S_IMODE((stampa / "distinta_raccomandate.csv").stat().st_mode) == 0o600


def test_ripresa_rifà_solo_il_mancante(lotto_generato, pool: PoolConvertitori) -> None:
    """After a crash: a missing PDF and a corrupted one are redone, nothing else."""
    cfg, lotto, primo = lotto_generato
    cartella = cfg.outbox / str(lotto) / "lettere"
    pdf = sorted(cartella.iterdir())
    pdf[0].unlink()
    pdf[1].write_bytes(pdf[1].read_bytes()[:-100])
    engine = apri(cfg.database_url)
    esito = genera_lotto(engine, cfg, lotto, Operazione("test"), pool=pool)
    engine.dispose()
    assert esito.generate == 2
    assert esito.gia_pronte == primo.lettere - 2
    assert verifica_pdf(pdf[0]).pagine >= 1 and verifica_pdf(pdf[1]).pagine >= 1


class _PoolCheGuastaUnaLettera:
    """The real pool, but one letter's DOCX is damaged before LibreOffice sees it (as a broken
    file on a full disk would be): its raccolta fails, and so does the letter on its own."""

    def __init__(self, pool: PoolConvertitori, lettera: int) -> None:
        self.pool, self.lettera, self.processi = pool, lettera, pool.processi

    def converti(self, lavori: list, avanzamento: object = None, **opzioni: object) -> list:
        for lavoro in lavori:
            contenuto = lavoro.docx.read_bytes()
            if f'w:name="L{self.lettera}"'.encode() in _documento(contenuto) or lavoro.docx.name.startswith(
                f"lettera-{self.lettera}-"
            ):
                lavoro.docx.write_bytes(contenuto[: len(contenuto) // 2])
        return self.pool.converti(lavori, avanzamento, **opzioni)


def _documento(docx: bytes) -> bytes:
    try:
        return zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        return b""


def test_una_lettera_che_non_si_converte_non_ferma_le_altre(
    tmp_path_factory: pytest.TempPathFactory, pool: PoolConvertitori
) -> None:
    """Issue 5: a letter that still fails is reported and the rest go on; a rerun finishes it."""
    cartella = tmp_path_factory.mktemp("ufficio-guasto")
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    file = scrivi_campione(genera_campione(40, seed=5, oggi=OGGI, strutture=STRUTTURE), cartella / "dati")
    engine = apri(cfg.database_url)
    contesto = Contesto(oggi=OGGI, strutture=frozenset(cfg.config.ente.strutture), op=Operazione("test"))
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
    with sessione(engine) as s:
        lotto = lotti.pianifica(s, Operazione("test"), OGGI, Parametri.da_config(cfg.config)).lotto_id
        lotti.cambia_stato_lotto(s, Operazione("test"), lotto, StatoLotto.APPROVATA)
    lettere = _lettere(cfg, lotto)
    guasta = lettere[len(lettere) // 2].id
    esito = genera_lotto(engine, cfg, lotto, Operazione("test"), pool=_PoolCheGuastaUnaLettera(pool, guasta))
    assert list(esito.fallite) == [guasta]
    assert esito.generate == len(lettere) - 1
    assert not (cfg.outbox / str(lotto) / "lettere" / f"{guasta}.pdf").exists()
    stati = {x.id: x.stato for x in _lettere(cfg, lotto)}
    assert stati[guasta] == StatoLettera.APPROVATA
    assert all(v == StatoLettera.GENERATA for k, v in stati.items() if k != guasta)
    with sessione(engine) as s:
        assert s.get(Lotto, lotto).stato == StatoLotto.APPROVATA  # not complete yet
    esito = genera_lotto(engine, cfg, lotto, Operazione("test"), pool=pool)
    assert (esito.generate, esito.gia_pronte, esito.fallite) == (1, len(lettere) - 1, {})
    with sessione(engine) as s:
        assert s.get(Lotto, lotto).stato == StatoLotto.GENERATA
    engine.dispose()
