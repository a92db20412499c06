"""Letter generation: ``genera LOTTO`` end to end against LibreOffice used the plain ways.

One workspace, one approved lotto of about N letters from the sample generator. Measured in
the same run, with the same number of LibreOffice processes:

- ours: ``genera_lotto`` from the approved lotto to PDF/A files, print bundles and distinta,
  converters started inside the timed region;
- bare batch: the same letters as single DOCX files (rendered before the clock starts),
  converted by ``soffice --convert-to`` to PDF/A-2b, the files split among the processes, each
  with its own profile, in calls of at most 200 files (DESIGN.md, PDF);
- one ``soffice`` call per file on a sample of 20, the way a script would do it naively.

Peak memory: a child process generates a lotto of ``n_memoria`` letters and reports its own
peak RSS; the baseline is the RSS of the same interpreter once the package is imported.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from corrispondenza import lotti
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.genera import genera_lotto
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.modelli.contesto import contesti
from corrispondenza.modelli.rendi import Modello
from corrispondenza.pdf.convertitore import PoolConvertitori
from corrispondenza.regole.parametri import Parametri
from corrispondenza.stato import StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lettera, Lotto
from corrispondenza.workspace import inizializza

OGGI = date(2026, 11, 23)
CREDITI_PER_LETTERA = 4.3  # measured on the sample generator: about one letter per 4.3 credits
FILTRO_PDFA = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
PER_FILE = 20
MASSIMO_PER_CHIAMATA = 200


def misura_generazione(n_lettere: int, n_memoria: int, processi: int = 2) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-genera-") as cartella:
        base = Path(cartella)
        cfg, lotto = prepara_lotto(base / "ufficio", n_lettere)
        lettere = _numero_lettere(cfg, lotto)
        nostro = _genera(cfg, lotto, processi)
        docx = _lettere_singole(cfg, lotto, base / "docx")
        batch = _batch_nudo(docx, base / "batch", processi)
        per_file = _un_file_per_chiamata(docx[:PER_FILE], base / "singoli", processi)
        picco, riposo = _memoria(base / "memoria", n_memoria)
    return {
        "generazione_vs_batch": _figura(lettere / nostro, len(docx) / batch, ">= 0.9 (scopo: 3)", lettere),
        "generazione_vs_un_file_per_volta": _figura(lettere / nostro, PER_FILE / per_file, ">= 15", lettere),
        "generazione_memoria_picco": {
            "valore": round(picco, 1),
            "unita": "MB",
            "baseline": round(riposo, 1),
            "rapporto": round(riposo / picco, 3),
            "obiettivo": "valore <= 300 MB",
            "lettere": n_memoria,
        },
    }


def _figura(nostro: float, baseline: float, obiettivo: str, lettere: int) -> dict[str, Any]:
    return {
        "valore": round(nostro, 2),
        "unita": "lettere/s",
        "baseline": round(baseline, 2),
        "rapporto": round(nostro / baseline, 3),
        "obiettivo": obiettivo,
        "lettere": lettere,
    }


def prepara_lotto(cartella: Path, n_lettere: int) -> tuple[ConfigCaricata, int]:
    """A workspace with an approved lotto of about ``n_lettere`` letters."""
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    campione = genera_campione(int(n_lettere * CREDITI_PER_LETTERA), seed=11, oggi=OGGI)
    file = scrivi_campione(campione, cartella / "dati")
    engine = apri(cfg.database_url)
    contesto = Contesto(oggi=OGGI, strutture=frozenset(cfg.config.ente.strutture), op=Operazione("bench"))
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        esito = importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
        if esito.errori:
            raise RuntimeError(f"campione non valido: {esito.errori[:3]}")
    with sessione(engine) as s:
        esito_piano = lotti.pianifica(s, Operazione("bench"), OGGI, Parametri.da_config(cfg.config))
        if esito_piano.lotto_id is None:
            raise RuntimeError("la pianificazione di prova non ha proposto nulla")
        lotti.cambia_stato_lotto(s, Operazione("bench"), esito_piano.lotto_id, StatoLotto.APPROVATA)
    engine.dispose()
    return cfg, esito_piano.lotto_id


def _numero_lettere(cfg: ConfigCaricata, lotto: int) -> int:
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        quante = len(s.scalars(select(Lettera.id).where(Lettera.lotto_id == lotto)).all())
    engine.dispose()
    return quante


def _genera(cfg: ConfigCaricata, lotto: int, processi: int) -> float:
    engine = apri(cfg.database_url)
    inizio = time.perf_counter()
    with PoolConvertitori(processi, cartella=cfg.outbox / ".libreoffice-bench") as pool:
        esito = genera_lotto(engine, cfg, lotto, Operazione("bench"), pool=pool)
    secondi = time.perf_counter() - inizio
    engine.dispose()
    if esito.fallite:
        raise RuntimeError(f"generazione di prova con lettere non riuscite: {esito.fallite}")
    return secondi


def _lettere_singole(cfg: ConfigCaricata, lotto: int, cartella: Path) -> list[Path]:
    """Each letter of the lotto as its own DOCX, as a mail merge would leave them."""
    cartella.mkdir()
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        x = s.get(Lotto, lotto)
        lettere = list(x.lettere)
        dati = contesti(s, cfg.config, lettere, x.data)
    engine.dispose()
    tipi = {TipoLettera(lettera.tipo) for lettera in lettere}
    modelli = {t: Modello.carica(cfg.modelli / cfg.config.modelli.file[t], t) for t in tipi}
    percorsi = []
    for lettera in lettere:
        percorso = cartella / f"{lettera.id}.docx"
        percorso.write_bytes(modelli[TipoLettera(lettera.tipo)].lettera(dati[lettera.id]))
        percorsi.append(percorso)
    return percorsi


def _soffice(profilo: Path, uscita: Path, file: list[Path]) -> None:
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{profilo}",
            "--convert-to",
            FILTRO_PDFA,
            "--outdir",
            str(uscita),
            *map(str, file),
        ],
        check=True,
        capture_output=True,
    )


def _batch_nudo(docx: list[Path], cartella: Path, processi: int) -> float:
    """``soffice --convert-to`` on all files: one share per process, calls of at most 200 files."""
    quote = [docx[i::processi] for i in range(processi)]

    def converti(i: int) -> None:
        for inizio in range(0, len(quote[i]), MASSIMO_PER_CHIAMATA):
            _soffice(
                cartella / f"profilo-{i}", cartella / "pdf", quote[i][inizio : inizio + MASSIMO_PER_CHIAMATA]
            )

    inizio = time.perf_counter()
    with ThreadPoolExecutor(processi) as esecutore:
        list(esecutore.map(converti, range(processi)))
    secondi = time.perf_counter() - inizio
    mancanti = [p for p in docx if not (cartella / "pdf" / f"{p.stem}.pdf").exists()]
    if mancanti:
        raise RuntimeError(f"il batch di LibreOffice non ha convertito {len(mancanti)} file")
    return secondi


def _un_file_per_chiamata(docx: list[Path], cartella: Path, processi: int) -> float:
    """One ``soffice`` per file, ``processi`` at a time, each with its own profile."""
    quote = [docx[i::processi] for i in range(processi)]

    def converti(i: int) -> None:
        for file in quote[i]:
            _soffice(cartella / f"profilo-{i}", cartella / "pdf", [file])

    inizio = time.perf_counter()
    with ThreadPoolExecutor(processi) as esecutore:
        list(esecutore.map(converti, range(processi)))
    return time.perf_counter() - inizio


def _memoria(cartella: Path, n_lettere: int) -> tuple[float, float]:
    """Peak RSS (MB) of a child that only generates a prepared lotto, and of one that only imports."""
    cfg, lotto = prepara_lotto(cartella, n_lettere)
    comando = [sys.executable, "-m", "bench.generazione"]
    riposo = subprocess.run([*comando, "riposo"], check=True, capture_output=True, text=True)
    picco = subprocess.run(
        [*comando, "picco", str(cfg.percorso), str(lotto)], check=True, capture_output=True, text=True
    )
    return float(picco.stdout.split()[-1]), float(riposo.stdout.split()[-1])


def _rss_mb() -> float:
    """Peak resident memory of this process image, in MB.

    ``VmHWM`` from /proc, not ``getrusage``: Linux carries ``ru_maxrss`` over ``exec``, so a
    child started by a big parent would report the parent's size at fork.
    """
    for riga in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if riga.startswith("VmHWM:"):
            return int(riga.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _figlio(argv: list[str]) -> None:
    """Child process for the memory figure: prints its own peak RSS in MB."""
    if argv[0] == "riposo":
        print(f"{_rss_mb():.1f}")
        return
    cfg = carica_config(Path(argv[1]))
    engine = apri(cfg.database_url)
    genera_lotto(engine, cfg, int(argv[2]), Operazione("bench"))
    engine.dispose()
    print(f"{_rss_mb():.1f}")


if __name__ == "__main__":
    os.environ.setdefault("CORRISPONDENZA_OPERATORE", "bench")
    _figlio(sys.argv[1:])
