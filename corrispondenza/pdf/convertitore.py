"""A pool of long-lived LibreOffice converters turning the letters' DOCX into PDF/A-2b.

Why a pool and not ``soffice --convert-to``: one process per file costs about a second each;
one call with many files is fast but a call with ~300 files silently skipped some with exit
status 0 (DESIGN.md, "PDF"). Here each converter is a LibreOffice started once, with its own
profile (two offices sharing a profile run in series), fed blocks of at most 200 documents
through a UNO driver, and every output is opened and checked before it is accepted.

What happens when a converter crashes or hangs is in ``blocco.py``.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from corrispondenza.errors import ConversioneError
from corrispondenza.pdf.blocco import Blocco, EsecuzioneBlocco
from corrispondenza.pdf.lavoro import EsitoConversione, Lavoro
from corrispondenza.pdf.office import Office, trova_python_uno, trova_soffice
from corrispondenza.riservato import RISERVATO

__all__ = ["EsitoConversione", "Lavoro", "PoolConvertitori", "Statistiche", "dividi_in_blocchi"]

MASSIMO_BLOCCO = 200  # measured: a single call with ~300 files skipped some silently


@dataclass
class Statistiche:
    """Counters over the pool's life, for progress reports, benchmarks and tests."""

    documenti: int = 0
    blocchi: int = 0
    riavvii: int = 0


Avanzamento = Callable[[EsitoConversione], None]


def dividi_in_blocchi(quanti: int, processi: int, massimo: int = MASSIMO_BLOCCO) -> list[range]:
    """Split ``quanti`` documents into blocks of at most ``massimo``, in a multiple of ``processi``.

    Equal blocks, as many as a multiple of the converters, keep every converter busy to the
    end: 250 documents on 2 converters are 125 + 125, not 200 + 50.
    """
    if quanti <= 0:
        return []
    numero = -(-quanti // massimo)
    numero = min(quanti, -(-numero // processi) * processi)
    base, resto = divmod(quanti, numero)
    blocchi, inizio = [], 0
    for i in range(numero):
        fine = inizio + base + (1 if i < resto else 0)
        blocchi.append(range(inizio, fine))
        inizio = fine
    return blocchi


class PoolConvertitori:
    """``processi`` LibreOffice converters working in parallel; use it as a context manager.

    ``cartella`` holds the profiles (kept, so the next run starts warm); without it a
    temporary folder is used and removed on exit. ``timeout`` is per document, ``avvio`` the
    limit for an office to answer after starting. ``pdfa`` is the level every output must
    claim (None to accept any PDF).
    """

    def __init__(
        self,
        processi: int | None = None,
        *,
        cartella: Path | None = None,
        timeout: float = 60.0,
        avvio: float = 60.0,
        massimo_blocco: int = MASSIMO_BLOCCO,
        pdfa: str | None = "2B",
        soffice: str | None = None,
        python_uno: str | None = None,
    ) -> None:
        if not 1 <= massimo_blocco <= MASSIMO_BLOCCO:
            raise ValueError(f"massimo_blocco deve essere tra 1 e {MASSIMO_BLOCCO}")
        self.processi = max(1, processi or len(os.sched_getaffinity(0)))
        self.timeout = timeout
        self.massimo_blocco = massimo_blocco
        self.pdfa = pdfa
        self.statistiche = Statistiche()
        self._cartella = Path(cartella) if cartella is not None else None
        self._temporanea: Path | None = None
        self._avvio = avvio
        self._soffice = soffice
        self._python_uno = python_uno
        self._office: list[Office] = []
        self._prenotazioni: list[int] = []
        self._lock = threading.Lock()
        self._interrompi = threading.Event()

    def __enter__(self) -> PoolConvertitori:
        self.avvia()
        return self

    def __exit__(
        self, tipo: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.chiudi()

    def avvia(self) -> None:
        """Start every converter, in parallel; raise ConversioneError (Italian) if one cannot start."""
        soffice, python_uno = trova_soffice(self._soffice), trova_python_uno(self._python_uno)
        cartella = self._cartella or self._crea_temporanea()
        cartella.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            self._office = [
                Office(i, profilo, soffice=soffice, python_uno=python_uno, avvio=self._avvio)
                for i, profilo in enumerate(self._prenota_profili(cartella))
            ]
            self._in_parallelo(Office.avvia)
        except BaseException:
            self.chiudi()
            raise

    def chiudi(self) -> None:
        """Terminate every office in order (killing those that do not stop), remove temp profiles."""
        self._interrompi.set()
        try:
            self._in_parallelo(Office.chiudi)
        finally:
            self._office = []
            for prenotazione in self._prenotazioni:
                os.close(prenotazione)
            self._prenotazioni = []
            if self._temporanea is not None:
                shutil.rmtree(self._temporanea, ignore_errors=True)
                self._temporanea = None
            self._interrompi.clear()

    def pid_office(self) -> list[int | None]:
        """The ``soffice.bin`` pid of each converter, None for one not running."""
        return [office.pid for office in self._office]

    def converti(
        self,
        lavori: Sequence[Lavoro],
        avanzamento: Avanzamento | None = None,
        *,
        timeout: float | None = None,
        per_blocco: int | None = None,
    ) -> list[EsitoConversione]:
        """Convert every Lavoro; one EsitoConversione each, in the order given.

        ``avanzamento`` is called in the caller's thread once per document as it is done (a
        progress bar needs no lock). A failed document never stops the others. A stale PDF at
        a destination is removed first: a letter that fails has no PDF, not last month's.
        ``per_blocco`` overrides the block size for this call: documents of very different
        sizes (raccolte of 5 and of 190 letters) balance better one per block, taken by
        whichever converter is free.
        """
        if not self._office:
            raise ConversioneError(
                "i convertitori LibreOffice non sono avviati (usare `with PoolConvertitori()`)"
            )
        lavori = list(lavori)
        _verifica_destinazioni(lavori)
        risultati: queue.Queue[tuple[int, EsitoConversione]] = queue.Queue()
        blocchi = self._blocchi(len(lavori), per_blocco or self.massimo_blocco)
        operai = [
            threading.Thread(
                target=self._lavora,
                args=(office, blocchi, lavori, risultati, timeout or self.timeout),
                name=f"convertitore-{office.indice}",
                daemon=True,
            )
            for office in self._office
        ]
        for operaio in operai:
            operaio.start()
        try:
            return self._raccogli(lavori, risultati, operai, avanzamento)
        finally:
            self._interrompi.set()  # only matters if the caller's callback raised
            for operaio in operai:
                operaio.join()
            self._interrompi.clear()

    def _blocchi(self, quanti: int, massimo: int) -> queue.Queue[Blocco]:
        blocchi: queue.Queue[Blocco] = queue.Queue()
        with self._lock:
            for parte in dividi_in_blocchi(quanti, self.processi, min(massimo, self.massimo_blocco)):
                blocchi.put(Blocco(self.statistiche.blocchi, tuple(parte)))
                self.statistiche.blocchi += 1
        return blocchi

    def _raccogli(
        self,
        lavori: list[Lavoro],
        risultati: queue.Queue[tuple[int, EsitoConversione]],
        operai: list[threading.Thread],
        avanzamento: Avanzamento | None,
    ) -> list[EsitoConversione]:
        esiti: list[EsitoConversione | None] = [None] * len(lavori)
        mancano = len(lavori)
        while mancano:
            try:
                i, esito = risultati.get(timeout=0.2)
            except queue.Empty:
                if any(o.is_alive() for o in operai) or not risultati.empty():
                    continue
                break  # every converter stopped: what is left has nobody to convert it
            esiti[i], mancano = esito, mancano - 1
            if avanzamento is not None:
                avanzamento(esito)
        for i, esito in enumerate(esiti):
            if esito is None:
                esiti[i] = EsitoConversione(lavori[i], motivo="nessun convertitore LibreOffice disponibile")
                if avanzamento is not None:
                    avanzamento(esiti[i])
        return [e for e in esiti if e is not None]

    def _lavora(
        self,
        office: Office,
        blocchi: queue.Queue[Blocco],
        lavori: list[Lavoro],
        risultati: queue.Queue[tuple[int, EsitoConversione]],
        timeout: float,
    ) -> None:
        """One converter's thread: take blocks until none is left or the converter gives up."""

        def riporta(i: int, esito: EsitoConversione) -> None:
            self._conta(documenti=1)
            risultati.put((i, esito))

        while not self._interrompi.is_set():
            try:
                blocco = blocchi.get_nowait()
            except queue.Empty:
                return
            esecuzione = EsecuzioneBlocco(
                office,
                blocco,
                lavori,
                timeout=timeout,
                pdfa=self.pdfa,
                riporta=riporta,
                riavviato=lambda: self._conta(riavvii=1),
                interrompi=self._interrompi,
            )
            if not esecuzione.esegui():
                return

    def _conta(self, *, documenti: int = 0, riavvii: int = 0) -> None:
        with self._lock:
            self.statistiche.documenti += documenti
            self.statistiche.riavvii += riavvii

    def _in_parallelo(self, azione: Callable[[Office], None]) -> None:
        """Run ``azione`` on every office at once (starting one takes ~1.5 s); re-raise the first error."""
        if not self._office:
            return
        with ThreadPoolExecutor(max_workers=len(self._office)) as esecutore:
            futuri = [esecutore.submit(azione, office) for office in self._office]
        for futuro in futuri:
            futuro.result()

    def _prenota_profili(self, cartella: Path) -> list[Path]:
        """The first ``processi`` profiles in ``cartella`` that no other pool is using, locked.

        Two offices on one profile would hand their work to each other (or worse, since a
        restart clears the profile's lock): a second pool on the same folder, say two lotti
        generated at once, takes the next free profiles instead. The lock (flock) dies with
        the process, so a crashed run blocks nothing.
        """
        profili: list[Path] = []
        numero = 0
        while len(profili) < self.processi:
            descrittore = os.open(cartella / f"profilo-{numero}.uso", os.O_RDWR | os.O_CREAT, RISERVATO)
            try:
                fcntl.flock(descrittore, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descrittore)
            else:
                self._prenotazioni.append(descrittore)
                profili.append(cartella / f"profilo-{numero}")
            numero += 1
        return profili

    def _crea_temporanea(self) -> Path:
        self._temporanea = Path(tempfile.mkdtemp(prefix="corrispondenza-libreoffice-"))
        return self._temporanea


def _verifica_destinazioni(lavori: Iterable[Lavoro]) -> None:
    """Two jobs writing the same PDF would race on two converters: a caller's bug, refused."""
    visti: set[Path] = set()
    for lavoro in lavori:
        pdf = lavoro.pdf.absolute()
        if pdf in visti:
            raise ValueError(f"due lavori scrivono lo stesso PDF: {pdf}")
        visti.add(pdf)
