"""One block of documents on one converter: the restart and retry policy.

Per document: a converter that crashes or hangs past the timeout is killed and restarted, and
the unfinished part of its block goes on, starting again from the document it was working on;
each document gets at most two attempts, then it is reported as failed with the reason and the
others go on. A converter that cannot be restarted, or that is interrupted four times in a row
without finishing anything (two documents that each crashed it twice), fails the rest of its
block and stops; the other converters go on.

Two documents are queued in the driver at a time, so LibreOffice starts the next one while
Python checks the last: the checks cost no conversion time.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corrispondenza.errors import ConversioneError, PdfError
from corrispondenza.pdf.controllo import motivo_docx_non_valido, verifica_pdf
from corrispondenza.pdf.lavoro import EsitoConversione, Lavoro
from corrispondenza.pdf.office import Interruzione, Office
from corrispondenza.riservato import RISERVATO

TENTATIVI = 2
INTERRUZIONI_DI_FILA = 4
IN_CODA = 2
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blocco:
    """At most 200 documents (indices into the caller's list) given to one converter at a time."""

    numero: int
    indici: tuple[int, ...]


@dataclass(frozen=True)
class _Inviato:
    indice: int
    numero: int  # the driver's job number
    provvisorio: Path


class EsecuzioneBlocco:
    """Runs one Blocco on one Office; ``riporta`` receives each document's result exactly once."""

    def __init__(
        self,
        office: Office,
        blocco: Blocco,
        lavori: list[Lavoro],
        *,
        timeout: float,
        pdfa: str | None,
        riporta: Callable[[int, EsitoConversione], None],
        riavviato: Callable[[], None],
        interrompi: threading.Event,
    ) -> None:
        self.office, self.blocco, self.lavori = office, blocco, lavori
        self.timeout, self.pdfa = timeout, pdfa
        self._riporta_a, self._riavviato, self._interrompi = riporta, riavviato, interrompi
        self.da_inviare: deque[int] = deque(blocco.indici)
        self.inviati: deque[_Inviato] = deque()
        self.tentativi: Counter[int] = Counter()
        self.di_fila = 0

    def esegui(self) -> bool:
        """Convert the block; False when this converter is out of service for good.

        When asked to stop, documents already queued in LibreOffice are still waited for, so
        no temporary file is written after this returns.
        """
        while self.inviati or (self.da_inviare and not self._interrompi.is_set()):
            if not self.office.vivo and not self._riavvia():
                return False
            try:
                self._avanza()
            except Interruzione as caduta:
                if not self._dopo_interruzione(caduta):
                    return False
            except Exception as exc:  # a bug must not lose the block: record it and go on
                log.exception("convertitore %d: errore inatteso", self.office.indice)
                self.office.uccidi()
                self._fallisci_inviati(f"errore interno del convertitore ({type(exc).__name__}: {exc})")
        return True

    def _avanza(self) -> None:
        """Wait for the oldest queued document, queue the next, then check the one just done."""
        self._riempi()
        if not self.inviati:
            return  # what was left was refused before reaching LibreOffice
        motivo = self.office.esito(self.inviati[0].numero, self.timeout)
        inviato = self.inviati.popleft()
        self.di_fila = 0
        try:
            self._riempi()
        finally:  # even if queueing the next one finds the office gone, this one is done
            self._concludi(inviato, motivo)

    def _concludi(self, inviato: _Inviato, motivo: str | None) -> None:
        self.tentativi[inviato.indice] += 1
        pagine = 0
        try:
            if motivo is None:
                motivo, pagine = _accetta(inviato.provvisorio, self.lavori[inviato.indice].pdf, self.pdfa)
        finally:
            inviato.provvisorio.unlink(missing_ok=True)
        self._ritenta_o_riporta(inviato.indice, motivo, pagine)

    def _riempi(self) -> None:
        """Queue documents up to IN_CODA; one that is not a DOCX is reported and never sent."""
        while self.da_inviare and len(self.inviati) < IN_CODA and not self._interrompi.is_set():
            i = self.da_inviare.popleft()
            lavoro = self.lavori[i]
            motivo = _prepara_destinazione(lavoro.pdf) or motivo_docx_non_valido(lavoro.docx)
            if motivo is not None:
                self._riporta(i, motivo)
                continue
            provvisorio = _provvisorio(lavoro.pdf, self.office.indice)
            provvisorio.unlink(missing_ok=True)
            try:
                numero = self.office.invia(lavoro.docx.absolute(), provvisorio)
            except Interruzione:
                self.da_inviare.appendleft(i)
                raise
            self.inviati.append(_Inviato(i, numero, provvisorio))

    def _dopo_interruzione(self, caduta: Interruzione) -> bool:
        """Kill the office; the document it was on uses an attempt, the queued ones do not."""
        log.warning("convertitore %d, blocco %d: %s", self.office.indice, self.blocco.numero, caduta)
        self.office.uccidi()
        self.di_fila += 1
        inviati = list(self.inviati)
        self.inviati.clear()
        for inviato in inviati:
            inviato.provvisorio.unlink(missing_ok=True)
        for inviato in reversed(inviati[1:]):
            self.da_inviare.appendleft(inviato.indice)
        if inviati:
            self.tentativi[inviati[0].indice] += 1
            self._ritenta_o_riporta(inviati[0].indice, caduta.motivo)
        if self.di_fila >= INTERRUZIONI_DI_FILA:
            self._fallisci_restanti(
                f"LibreOffice si è interrotto {self.di_fila} volte di seguito ({caduta.motivo})"
            )
            return False
        return True

    def _riavvia(self) -> bool:
        try:
            self.office.avvia()
        except ConversioneError as exc:
            self._fallisci_restanti(f"convertitore non riavviabile: {exc.messaggio}")
            return False
        self._riavviato()
        return True

    def _ritenta_o_riporta(self, i: int, motivo: str | None, pagine: int = 0) -> None:
        if motivo is not None and self.tentativi[i] < TENTATIVI:
            self.da_inviare.appendleft(i)
        else:
            self._riporta(i, motivo, pagine)

    def _riporta(self, i: int, motivo: str | None, pagine: int = 0) -> None:
        esito = EsitoConversione(
            self.lavori[i],
            motivo=motivo,
            pagine=pagine,
            tentativi=self.tentativi[i],
            blocco=self.blocco.numero,
            convertitore=self.office.indice,
        )
        self._riporta_a(i, esito)

    def _fallisci_inviati(self, motivo: str) -> None:
        while self.inviati:
            inviato = self.inviati.popleft()
            inviato.provvisorio.unlink(missing_ok=True)
            self._riporta(inviato.indice, motivo)

    def _fallisci_restanti(self, motivo: str) -> None:
        self._fallisci_inviati(motivo)
        while self.da_inviare:
            self._riporta(self.da_inviare.popleft(), motivo)


def _provvisorio(pdf: Path, convertitore: int) -> Path:
    """A hidden name beside the destination: same filesystem, so the final rename is atomic."""
    destinazione = pdf.absolute()
    return destinazione.with_name(f".{destinazione.name}.{convertitore}.parziale")


def _accetta(provvisorio: Path, destinazione: Path, pdfa: str | None) -> tuple[str | None, int]:
    """Read the output back and move it into place; the reason and 0 pages if it is not good.

    The destination only ever holds a PDF that was read back and found whole.
    """
    try:
        info = verifica_pdf(provvisorio)
    except PdfError as exc:
        return f"LibreOffice non ha prodotto un PDF valido: {exc.messaggio}", 0
    problemi = info.problemi_pdfa(pdfa) if pdfa else []
    if problemi:
        return "; ".join(problemi), 0
    provvisorio.chmod(RISERVATO)
    provvisorio.replace(destinazione)
    return None, info.pagine


def _prepara_destinazione(pdf: Path) -> str | None:
    """Create the folder (0700) and remove a stale PDF: a letter that fails has no PDF at all."""
    try:
        pdf.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pdf.unlink(missing_ok=True)
    except OSError as exc:
        return f"impossibile scrivere il PDF {pdf}: {exc.strerror or exc}"
    return None
