"""``corrispondenza ricevute [--segui]``: the command around the reconciler (``imap``)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from corrispondenza.cli.base import ExitStatus, config_di, err, out, stampa_json
from corrispondenza.ricevute.imap import EsitoRicevute, Riconciliatore
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
        stampa(esito)
    if esito.orfane or esito.illeggibili:
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE)


def _segui(riconciliatore: Riconciliatore) -> None:
    fermati = threading.Event()

    def ferma(_segnale: int, _frame: FrameType | None) -> None:
        fermati.set()

    precedente = signal.signal(signal.SIGTERM, ferma)
    out.print("Lettura continua delle ricevute PEC (Ctrl-C per fermare) ...")
    try:
        riconciliatore.segui(fermati, ogni_passaggio=lambda e: stampa(e) if e.lette else None)
    except KeyboardInterrupt:
        fermati.set()
    finally:
        signal.signal(signal.SIGTERM, precedente)
    err.print("Lettura delle ricevute fermata.")


def stampa(esito: EsitoRicevute) -> None:
    """For a person: how many were read, what they did, and each one to look at."""
    effetti = (
        ", ".join(f"{n} {nome}" for nome, n in sorted(esito.effetti.items())) or "nessun messaggio nuovo"
    )
    out.print(f"Ricevute lette: {esito.lette} ({effetti}).")
    for nome in esito.riletture:
        out.print(f"Cartella {nome} rinumerata dal server (UIDVALIDITY): riletta da capo, senza doppioni.")
    for riga in esito.orfane:
        out.print(f"Ricevuta senza lettera corrispondente (conservata): {riga}")
    for riga in esito.illeggibili:
        out.print(f"Messaggio illeggibile (conservato): {riga}")
    if esito.ignorate:
        out.print(
            f"Messaggi che non sono ricevute (buste di trasporto, posta ordinaria): {len(esito.ignorate)}"
        )
