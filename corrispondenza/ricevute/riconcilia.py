"""``corrispondenza ricevute [--segui]``: the command around the reconciler (``imap``)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from corrispondenza import presentazione
from corrispondenza.cli.base import ExitStatus, config_di, err, out, stampa_json
from corrispondenza.ricevute.imap import Riconciliatore
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione


def esegui_da_cli(ctx: typer.Context, *, segui: bool, come_json: bool = False) -> None:
    """One pass (exit 4 if some receipt matched no letter or was unreadable), or follow until stopped."""
    caricata = config_di(ctx)
    engine = apri(caricata.database_url)
    try:
        riconciliatore = Riconciliatore(engine, caricata, Operazione.corrente())
        if segui:
            _segui(riconciliatore)
            return
        esito = riconciliatore.esegui()
    finally:
        engine.dispose()
    if come_json:
        stampa_json(esito.come_json())
    else:
        presentazione.esito_ricevute(out, esito)
    if esito.orfane or esito.illeggibili:
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE)


def _segui(riconciliatore: Riconciliatore) -> None:
    fermati = threading.Event()

    def ferma(_segnale: int, _frame: FrameType | None) -> None:
        fermati.set()

    precedente = signal.signal(signal.SIGTERM, ferma)
    out.print("Lettura continua delle ricevute PEC (Ctrl-C per fermare) ...")
    try:
        riconciliatore.segui(
            fermati, ogni_passaggio=lambda e: presentazione.esito_ricevute(out, e) if e.lette else None
        )
    except KeyboardInterrupt:
        fermati.set()
    finally:
        signal.signal(signal.SIGTERM, precedente)
    err.print("Lettura delle ricevute fermata.")
