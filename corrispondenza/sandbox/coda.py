"""A timer queue with one worker thread: the provider's delivery side, which runs after the SMTP reply.

Receipts come late and out of order in real life (RICEVUTE.md, "Timing and states"); here each
delivery-side step is a job due at a moment, run in due order (ties in scheduling order), so a
test can ask for delays and still wait for the end with ``attendi_quiete``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

from corrispondenza.sandbox import SandboxError

log = logging.getLogger(__name__)

Lavoro = Callable[[], None]


class CodaTemporizzata:
    """Jobs due at a monotonic time, one worker thread; a failed job is recorded, never fatal."""

    def __init__(self, nome: str = "gestore-pec-consegne") -> None:
        self._nome = nome
        self._lavori: list[tuple[float, int, Lavoro]] = []
        self._numeri = itertools.count()
        self._in_corso = 0
        self._errori: list[str] = []
        self._condizione = threading.Condition()
        self._fine = False
        self._thread: threading.Thread | None = None

    def avvia(self) -> None:
        self._fine = False
        self._thread = threading.Thread(target=self._ciclo, name=self._nome, daemon=True)
        self._thread.start()

    def ferma(self) -> None:
        """Drop the jobs not yet due, let the running one finish, join the thread."""
        with self._condizione:
            self._fine = True
            self._lavori.clear()
            self._condizione.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def pianifica(self, ritardo: float, lavoro: Lavoro) -> None:
        """Run ``lavoro`` after ``ritardo`` seconds; jobs due together run in the order given."""
        with self._condizione:
            voce = (time.monotonic() + max(ritardo, 0.0), next(self._numeri), lavoro)
            heapq.heappush(self._lavori, voce)
            self._condizione.notify_all()

    def attendi_quiete(self, timeout: float) -> None:
        """Wait until no job is pending or running; report the jobs that failed since the last call."""
        limite = time.monotonic() + timeout
        with self._condizione:
            while self._lavori or self._in_corso:
                rimasto = limite - time.monotonic()
                if rimasto <= 0:
                    raise SandboxError(
                        f"Il gestore PEC della sandbox ha ancora {len(self._lavori) + self._in_corso} "
                        f"consegne in sospeso dopo {timeout:g} secondi"
                    )
                self._condizione.wait(rimasto)
            errori, self._errori = self._errori, []
        if errori:
            raise SandboxError(
                "Il gestore PEC della sandbox non ha potuto scrivere alcune ricevute: " + "; ".join(errori)
            )

    def _ciclo(self) -> None:
        while (lavoro := self._prossimo()) is not None:
            try:
                lavoro()
            except Exception as exc:  # one bad job must not stop the provider
                log.exception("Lavoro del gestore PEC non riuscito")
                with self._condizione:
                    self._errori.append(getattr(exc, "messaggio", None) or repr(exc))
            finally:
                with self._condizione:
                    self._in_corso -= 1
                    self._condizione.notify_all()

    def _prossimo(self) -> Lavoro | None:
        """Block until the earliest job is due (or the queue stops); mark it running."""
        with self._condizione:
            while not self._fine:
                if self._lavori:
                    attesa = self._lavori[0][0] - time.monotonic()
                    if attesa <= 0:
                        self._in_corso += 1
                        return heapq.heappop(self._lavori)[2]
                    self._condizione.wait(attesa)
                else:
                    self._condizione.wait()
            return None
