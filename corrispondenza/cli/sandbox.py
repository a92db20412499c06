"""``corrispondenza sandbox``: the local PEC provider for a person to try the sender against.

It runs in the foreground until Ctrl-C or SIGTERM, then stops Dovecot and the servers: nothing
is left running, so the command can be used in scripts and CI as well as at a terminal.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from corrispondenza.cli.base import OpzioneJson, app, out, stampa_json
from corrispondenza.sandbox.avvio import VARIABILE_PASSWORD, SandboxAvviata, avvia_sandbox


@app.command()
def sandbox(
    cartella: Annotated[
        Path, typer.Option("--cartella", help="Dove tenere i certificati e il registro degli invii.")
    ] = Path("sandbox"),
    come_json: OpzioneJson = False,
) -> None:
    """Avvia il gestore PEC locale (SMTP, IMAP, ricevute firmate) fino a Ctrl-C."""
    with _fino_al_segnale() as fine, avvia_sandbox(cartella) as avviata:
        if come_json:
            stampa_json({**avviata.dati_connessione(), "variabili": {VARIABILE_PASSWORD: avviata.password}})
        else:
            _stampa_dati(avviata)
        sys.stdout.flush()  # a pipe is block-buffered: whoever reads it needs the data now
        while not fine.wait(0.5):
            pass
    if not come_json:
        out.print("Sandbox fermata.")


def _stampa_dati(avviata: SandboxAvviata) -> None:
    dati = avviata.dati_connessione()
    host = dati["host"]
    righe = [
        f"Sandbox PEC avviata nella cartella {avviata.cartella.resolve()}",
        f"  SMTP PEC (TLS implicito):        {host} porta {dati['porta_smtp_pec']}",
        f"  SMTP posta ordinaria (STARTTLS): {host} porta {dati['porta_smtp_posta']}",
        f"  IMAP:                            {host} porta {dati['porta_imap']}",
        f"  IMAPS:                           {host} porta {dati['porta_imaps']}",
        f"  Utente (SMTP e IMAP):            {dati['utente']}",
        f"  Certificato della CA:            {dati['ca']}",
        f"  Registro degli invii:            {dati['registro']}",
        "Password dell'utente (casella di prova, cambia a ogni avvio): incollare nel terminale",
        f"  export {VARIABILE_PASSWORD}={avviata.password}",
        "Premere Ctrl-C per fermare la sandbox.",
    ]
    for riga in righe:
        out.print(riga, markup=False)


@contextmanager
def _fino_al_segnale() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set an event instead of interrupting: the servers then stop in order."""
    fine = threading.Event()
    precedenti = {s: signal.signal(s, lambda *_: fine.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield fine
    finally:
        for segnale, gestore in precedenti.items():
            signal.signal(segnale, gestore)
