"""Reliability of the reconciler (issue 7, Done means): the IMAP server goes away in the middle of
a reconciliation and comes back, and ``ricevute --segui`` completes the run; the process is
killed with SIGKILL mid-batch and rerun. Either way no receipt is lost or applied twice.
"""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from corrispondenza.canali.coda import invia_lotto
from corrispondenza.ricevute.imap import Riconciliatore
from corrispondenza.stato import Riscontro, StatoLettera
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Evento, Lettera, RicevutaLetta

if TYPE_CHECKING:
    from tests.conftest import Ufficio

pytestmark = [pytest.mark.integration, pytest.mark.reliability]


class Intermittente:
    """A TCP relay in front of Dovecot that can drop every connection and refuse new ones for a while:
    to the client, exactly what a server restart looks like (TLS passes through untouched)."""

    def __init__(self, porta_server: int) -> None:
        self.porta_server = porta_server
        self.ascolto = socket.create_server(("127.0.0.1", 0))
        self.porta = self.ascolto.getsockname()[1]
        self.giu_fino = 0.0
        self.byte_prima_del_guasto: int | None = None
        self.guasti = 0
        self._aperte: list[socket.socket] = []
        self._lock = threading.Lock()
        self._fermo = threading.Event()
        threading.Thread(target=self._accetta, daemon=True).start()

    def _accetta(self) -> None:
        self.ascolto.settimeout(0.2)
        while not self._fermo.is_set():
            try:
                cliente, _ = self.ascolto.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if time.monotonic() < self.giu_fino:
                cliente.close()  # "connection refused" while the server restarts
                continue
            server = socket.create_connection(("127.0.0.1", self.porta_server))
            with self._lock:
                self._aperte += [cliente, server]
            threading.Thread(target=self._copia, args=(cliente, server, False), daemon=True).start()
            threading.Thread(target=self._copia, args=(server, cliente, True), daemon=True).start()

    def _copia(self, da: socket.socket, a: socket.socket, dal_server: bool) -> None:
        try:
            while dati := da.recv(16384):
                a.sendall(dati)
                if dal_server and self.byte_prima_del_guasto is not None:
                    self.byte_prima_del_guasto -= len(dati)
                    if self.byte_prima_del_guasto <= 0:
                        self.byte_prima_del_guasto = None
                        self.riavvio(0.5)
                        return
        except OSError:
            pass
        finally:
            for s in (da, a):
                s.close()

    def riavvio(self, secondi: float) -> None:
        """Drop everything now and refuse connections for ``secondi``."""
        self.guasti += 1
        self.giu_fino = time.monotonic() + secondi
        with self._lock:
            aperte, self._aperte = self._aperte, []
        for s in aperte:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def ferma(self) -> None:
        self._fermo.set()
        self.ascolto.close()
        self.riavvio(0)


def _invia(u: Ufficio) -> list[Lettera]:
    cfg = u.carica()
    engine = apri(cfg.database_url)
    try:
        assert invia_lotto(engine, cfg, u.lotto, Operazione("test")).completo
    finally:
        engine.dispose()
    u.gestore.attendi_quiete(30)
    return [x for x in u.lettere(canale="pec") if x.stato != StatoLettera.ANNULLATA]


def _attendi_consegnate(u: Ufficio, secondi: float = 60) -> None:
    """Until every PEC letter of the lotto is delivered according to the store (or time is up)."""
    limite = time.monotonic() + secondi
    while time.monotonic() < limite:
        if all(
            x.riscontro == Riscontro.CONSEGNATA for x in u.lettere(canale="pec") if x.stato != "annullata"
        ):
            return
        time.sleep(0.2)


def _verifica_una_volta(u: Ufficio, pec: list[Lettera]) -> None:
    engine = apri(u.carica().database_url)
    try:
        with sessione(engine) as s:
            ricevute = s.scalar(select(func.count()).select_from(RicevutaLetta))
            distinte = s.scalar(select(func.count(func.distinct(RicevutaLetta.identita))))
            eventi = s.scalar(select(func.count()).where(Evento.cosa == "lettera.riscontro"))
            applicate = s.scalar(select(func.count()).where(RicevutaLetta.effetto == "applicata"))
    finally:
        engine.dispose()
    assert ricevute == distinte == 2 * len(pec)  # acceptance + delivery for each letter, once
    # an acceptance read after its delivery changes nothing (monotonic): one event per applied receipt
    assert eventi == applicate and len(pec) < applicate <= 2 * len(pec)
    assert all(x.riscontro == Riscontro.CONSEGNATA for x in u.lettere(canale="pec") if x.stato != "annullata")


def test_server_imap_riavviato_durante_la_lettura_segui_completa(ufficio: Ufficio) -> None:
    pec = _invia(ufficio)
    imaps = ufficio.carica().config.canali.pec.imap.porta
    relay = Intermittente(imaps)
    ufficio.modifica_config(lambda d: d["canali"]["pec"]["imap"].__setitem__("porta", relay.porta))
    ufficio.modifica_config(
        lambda d: d.setdefault("ricevute", {}).update(messaggi_per_lotto=2, attesa_idle_secondi=1)
    )
    relay.byte_prima_del_guasto = 40_000  # a few batches in, the server "restarts"
    engine = apri(ufficio.carica().database_url)
    fermati = threading.Event()
    riconciliatore = Riconciliatore(engine, ufficio.carica(), Operazione("test"))
    filo = threading.Thread(target=riconciliatore.segui, args=(fermati,), daemon=True)
    filo.start()
    try:
        _attendi_consegnate(ufficio)
    finally:
        fermati.set()
        filo.join(30)
        relay.ferma()
        engine.dispose()
    assert relay.guasti >= 1 and not filo.is_alive()
    _verifica_una_volta(ufficio, pec)


@pytest.mark.parametrize("giro", range(6))
def test_sigkill_a_meta_lotto_e_nuova_lettura_stesso_risultato(ufficio: Ufficio, giro: int) -> None:
    """Odd rounds read with reader processes (``soglia_processi: 1``), which end by themselves
    when the reconciler that started them is killed."""
    pec = _invia(ufficio)
    lettori = giro % 2
    ufficio.modifica_config(
        lambda d: d.setdefault("ricevute", {}).update(
            messaggi_per_lotto=2, processi=2 * lettori, soglia_processi=1
        )
    )
    comando = [sys.executable, "-m", "corrispondenza", "--config", str(ufficio.config), "ricevute"]
    rng = random.Random(giro)
    for _ in range(2):
        processo = subprocess.Popen(comando, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 2.0))  # start-up ~1 s, then batches of two receipts
        processo.send_signal(signal.SIGKILL)
        processo.wait(30)
    finale = subprocess.run(comando, capture_output=True, text=True, timeout=120)
    assert finale.returncode == 0, finale.stdout + finale.stderr
    _verifica_una_volta(ufficio, pec)
    assert _lettori_rimasti(ufficio, secondi=10) == []


def _lettori_rimasti(u: Ufficio, secondi: float) -> list[int]:
    """Reader processes of this office still running after ``secondi``."""
    archivio = str((u.config.parent / "ricevute").resolve()).encode()
    limite = time.monotonic() + secondi
    while True:
        rimasti = []
        for voce in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                riga = (voce / "cmdline").read_bytes().split(b"\0")
                if b"corrispondenza.ricevute.elaborazione" in riga and archivio in riga:
                    rimasti.append(int(voce.name))
        if not rimasti or time.monotonic() > limite:
            return rimasti
        time.sleep(0.1)


def test_ricevute_segui_applica_le_nuove_e_si_ferma_con_sigterm(ufficio: Ufficio) -> None:
    ufficio.modifica_config(lambda d: d.setdefault("ricevute", {}).update(attesa_idle_secondi=2))
    comando = [sys.executable, "-m", "corrispondenza", "--config", str(ufficio.config), "ricevute", "--segui"]
    processo = subprocess.Popen(comando, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)  # it is waiting (IDLE) on an empty mailbox
        pec = _invia(ufficio)  # the receipts arrive while it waits
        _attendi_consegnate(ufficio)
    finally:
        processo.send_signal(signal.SIGTERM)
        uscita, errore = processo.communicate(timeout=30)
    assert processo.returncode == 0, errore
    assert "Lettura continua delle ricevute PEC" in uscita and "Ricevute lette:" in uscita
    _verifica_una_volta(ufficio, pec)


@pytest.mark.parametrize("processi", [0, 2])
def test_dovecot_riavviato_a_meta_riconciliazione_nessuna_ricevuta_persa_ne_doppia(
    ufficio_completo: Ufficio, server_dovecot, processi: int
) -> None:
    """The real server restarted (stop, start, same mailboxes) while ``segui`` is mid-way, the
    receipts read here or by reader processes."""
    pec = _invia(ufficio_completo)
    ufficio_completo.modifica_config(
        lambda d: d.setdefault("ricevute", {}).update(
            messaggi_per_lotto=1, attesa_idle_secondi=1, processi=processi, soglia_processi=1
        )
    )
    engine = apri(ufficio_completo.carica().database_url)
    fermati = threading.Event()
    riconciliatore = Riconciliatore(engine, ufficio_completo.carica(), Operazione("test"))
    filo = threading.Thread(
        target=riconciliatore.segui, args=(fermati,), kwargs={"dormi": time.sleep}, daemon=True
    )
    riavviato = False
    try:
        filo.start()
        limite = time.monotonic() + 120
        while time.monotonic() < limite:
            with sessione(engine) as s:
                lette = s.scalar(select(func.count()).select_from(RicevutaLetta))
            if not riavviato and lette >= 10:
                al_riavvio = lette
                server_dovecot.riavvia()  # mid-way: about a tenth of the receipts applied
                riavviato = True
            if riavviato and lette >= 2 * len(pec):
                break
            time.sleep(0.02)
    finally:
        fermati.set()
        filo.join(30)
        engine.dispose()
    assert riavviato and 10 <= al_riavvio < 2 * len(pec)  # the restart came before the end
    _verifica_una_volta(ufficio_completo, pec)
