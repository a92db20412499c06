"""The converter pool against a real LibreOffice: what comes out, and what happens when it breaks.

Assertions are on what a reader of the letter would see (the text in the PDF, its PDF/A claim,
its fonts) and on what an operator would see (one result per letter, an Italian reason for
each failure, no LibreOffice left running after the pool is closed).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from corrispondenza.errors import ConversioneError
from corrispondenza.pdf import EsitoConversione, Lavoro, PoolConvertitori, verifica_pdf

pytestmark = pytest.mark.integration

INTESTAZIONE = "Sollecito di pagamento — «Più Già»"
RIGHE = (
    'Società Rossi & Figli S.r.l., Via dell\'Abbazia 3 <interno "B">',
    "L'importo dovuto è di 1.234,56 € (àèéìòù ÀÈÉÌÒÙ), da versare entro 15 giorni.",
    "Il testo &amp; resta com'è scritto.",
)


def _lavori(cartella: Path, sorgente: Path, quanti: int) -> list[Lavoro]:
    """``quanti`` copies of one letter: the conversion is what is measured, not python-docx."""
    lavori = []
    for i in range(quanti):
        docx = cartella / "docx" / f"lettera-{i:04d}.docx"
        docx.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sorgente, docx)
        lavori.append(Lavoro(docx=docx, pdf=cartella / "pdf" / f"lettera-{i:04d}.pdf"))
    return lavori


def _processi_con(testo: str) -> list[int]:
    """Pids of live (not zombie) processes whose command line contains ``testo``."""
    trovati = []
    for voce in Path("/proc").iterdir():
        if not voce.name.isdigit():
            continue
        try:
            comando = (voce / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stato = (voce / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # ended while we looked
        if testo in comando and stato != "Z":
            trovati.append(int(voce.name))
    return trovati


def _zombie_figli() -> list[int]:
    """Our own children left unreaped: a killed converter must be waited for."""
    zombie = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            campi = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if campi[0] == "Z" and int(campi[1]) == os.getpid():
            zombie.append(int(stat.parent.name))
    return zombie


def _profilo_di(pid: int) -> str:
    comando = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    return next(a for a in comando if a.startswith("-env:UserInstallation=")).split("file://", 1)[1]


def test_le_lettere_diventano_pdfa_2b_con_ogni_font_incorporato_e_il_testo_intatto(
    pool: PoolConvertitori, tmp_path: Path, scrivi_lettera
) -> None:
    lavori = [
        Lavoro(
            scrivi_lettera(tmp_path / f"l{i}.docx", f"{INTESTAZIONE} n. {i}", *RIGHE), tmp_path / f"l{i}.pdf"
        )
        for i in range(3)
    ]
    esiti = pool.converti(lavori)

    assert [(e.ok, e.motivo, e.pagine) for e in esiti] == [(True, None, 1)] * 3
    for i, lavoro in enumerate(lavori):
        info = verifica_pdf(lavoro.pdf)
        assert (info.pdfa_parte, info.pdfa_conformita) == ("2", "B")
        assert info.font and info.font_non_incorporati == ()
        assert info.segnalibri == (f"{INTESTAZIONE} n. {i}",)
        testo = "".join(pagina.extract_text() for pagina in PdfReader(lavoro.pdf).pages)
        for riga in (f"{INTESTAZIONE} n. {i}", *RIGHE):
            assert riga in testo
        assert lavoro.pdf.stat().st_mode & 0o777 == 0o600  # health-related personal data
    assert not list(tmp_path.glob(".*parziale"))


def test_250_lettere_vanno_in_blocchi_di_al_massimo_200(
    pool: PoolConvertitori, tmp_path: Path, scrivi_lettera
) -> None:
    lavori = _lavori(tmp_path, scrivi_lettera(tmp_path / "modello.docx"), 250)
    avvisati: list[EsitoConversione] = []
    blocchi_prima = pool.statistiche.blocchi

    esiti = pool.converti(lavori, avanzamento=avvisati.append)

    assert [e.lavoro for e in esiti] == lavori
    assert all(e.ok for e in esiti), [e.motivo for e in esiti if not e.ok]
    assert sorted(avvisati, key=lambda e: e.lavoro.pdf) == esiti  # one call per letter
    per_blocco = Counter(e.blocco for e in esiti)
    assert len(per_blocco) >= 2 and max(per_blocco.values()) <= 200
    assert pool.statistiche.blocchi - blocchi_prima == len(per_blocco)
    assert {e.convertitore for e in esiti} == {0, 1}  # both converters worked
    assert all(lavoro.pdf.is_file() for lavoro in lavori)


def test_un_docx_finto_fallisce_con_il_suo_motivo_e_gli_altri_vanno_avanti(
    pool: PoolConvertitori, tmp_path: Path, scrivi_lettera
) -> None:
    buoni = [Lavoro(scrivi_lettera(tmp_path / f"b{i}.docx"), tmp_path / f"b{i}.pdf") for i in range(4)]
    finto = tmp_path / "finto.docx"
    finto.write_bytes(b"\x00\x13garbage & <not a docx> \xff" * 20)  # LibreOffice would import it as text
    rotto = tmp_path / "rotto.docx"  # a valid ZIP whose document.xml is not XML: LibreOffice refuses it
    shutil.copyfile(buoni[0].docx, rotto)
    _sostituisci_parte(rotto, "word/document.xml", b"<w:document non e' XML")
    cattivi = [
        Lavoro(finto, tmp_path / "finto.pdf"),
        Lavoro(rotto, tmp_path / "rotto.pdf"),
        Lavoro(tmp_path / "assente.docx", tmp_path / "assente.pdf"),
    ]
    cattivi[0].pdf.write_bytes(b"%PDF- il PDF del mese scorso")  # must not survive as if it were new

    esiti = pool.converti([buoni[0], *cattivi, *buoni[1:]])

    assert [e.ok for e in esiti] == [True, False, False, False, True, True, True]
    motivi = [e.motivo for e in esiti[1:4]]
    assert "non è un file DOCX (non è un archivio ZIP): finto.docx" in motivi[0]
    assert motivi[1].startswith("LibreOffice non ha convertito il documento: il documento non si apre")
    assert "file DOCX non trovato" in motivi[2]
    assert esiti[2].tentativi == 2  # LibreOffice was given a second chance
    assert not any(lavoro.pdf.exists() for lavoro in cattivi)
    assert all(lavoro.pdf.is_file() for lavoro in buoni)


def _sostituisci_parte(docx: Path, nome: str, contenuto: bytes) -> None:
    with zipfile.ZipFile(docx) as archivio:
        parti = {n: archivio.read(n) for n in archivio.namelist()}
    parti[nome] = contenuto
    with zipfile.ZipFile(docx, "w") as archivio:
        for n, dati in parti.items():
            archivio.writestr(n, dati)


def test_un_convertitore_ucciso_a_meta_blocco_riparte_e_il_blocco_finisce(
    pool: PoolConvertitori, tmp_path: Path, scrivi_lettera
) -> None:
    lavori = _lavori(tmp_path, scrivi_lettera(tmp_path / "modello.docx"), 30)
    riavvii_prima, pid_prima = pool.statistiche.riavvii, pool.pid_office()
    ucciso: list[int] = []

    def uccidi_al_primo(esito: EsitoConversione) -> None:
        if not ucciso and esito.convertitore is not None:
            ucciso.append(esito.convertitore)
            os.kill(pid_prima[esito.convertitore], signal.SIGKILL)

    esiti = pool.converti(lavori, avanzamento=uccidi_al_primo)

    assert all(e.ok for e in esiti), [e.motivo for e in esiti if not e.ok]
    assert pool.statistiche.riavvii == riavvii_prima + 1
    assert any(e.tentativi == 2 and e.convertitore == ucciso[0] for e in esiti)
    assert pool.pid_office()[ucciso[0]] not in (None, pid_prima[ucciso[0]])
    assert not _zombie_figli()


def test_un_convertitore_bloccato_e_ucciso_e_nessun_libreoffice_resta_dopo_la_chiusura(
    tmp_path: Path, scrivi_lettera
) -> None:
    lavori = _lavori(tmp_path, scrivi_lettera(tmp_path / "modello.docx"), 8)
    profili: list[str] = []

    with PoolConvertitori(1, timeout=5) as pool:
        profili.append(_profilo_di(pool.pid_office()[0]))

        def ferma_al_primo(esito: EsitoConversione) -> None:
            if len(profili) == 1:
                profili.append("fermato")
                os.kill(pool.pid_office()[0], signal.SIGSTOP)  # a hang: alive, never answers

        esiti = pool.converti(lavori, avanzamento=ferma_al_primo)
        assert all(e.ok for e in esiti), [e.motivo for e in esiti if not e.ok]
        assert pool.statistiche.riavvii == 1
        assert [e.tentativi for e in esiti].count(2) == 1

    assert _processi_con(profili[0]) == []
    assert not Path(profili[0]).exists()  # a temporary profile is removed
    assert not _zombie_figli()


def test_senza_libreoffice_un_errore_dice_di_eseguire_make_setup(tmp_path: Path) -> None:
    with pytest.raises(ConversioneError, match=r"LibreOffice \(soffice\) non trovato.*make setup"):
        PoolConvertitori(1, soffice=str(tmp_path / "soffice")).avvia()


def test_senza_python_con_uno_un_errore_dice_di_eseguire_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRISPONDENZA_PYTHON_UNO", str(tmp_path / "python3"))
    with pytest.raises(ConversioneError, match="CORRISPONDENZA_PYTHON_UNO"):
        PoolConvertitori(1).avvia()

    monkeypatch.setenv("CORRISPONDENZA_PYTHON_UNO", sys.executable)  # the venv: no uno there
    cartella = tmp_path / "profili"
    with pytest.raises(ConversioneError, match=r"modulo uno .* non è disponibile.*make setup"):
        PoolConvertitori(1, cartella=cartella).avvia()
    assert _processi_con(str(cartella)) == []
    assert not _zombie_figli()


def test_due_pool_sulla_stessa_cartella_usano_profili_diversi(tmp_path: Path, scrivi_lettera) -> None:
    """Two offices on one profile would pass their work to each other: the second pool moves on."""
    lettera = scrivi_lettera(tmp_path / "lettera.docx")
    with (
        PoolConvertitori(1, cartella=tmp_path / "profili") as primo,
        PoolConvertitori(1, cartella=tmp_path / "profili") as secondo,
    ):
        profili = {_profilo_di(primo.pid_office()[0]), _profilo_di(secondo.pid_office()[0])}
        esiti = [
            p.converti([Lavoro(lettera, tmp_path / f"{i}.pdf")])[0] for i, p in enumerate((primo, secondo))
        ]
    assert profili == {str(tmp_path / "profili" / "profilo-0"), str(tmp_path / "profili" / "profilo-1")}
    assert all(e.ok for e in esiti)
