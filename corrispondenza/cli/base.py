"""What every command shares: the Typer app, the consoles, the config option, the exit codes.

Exit codes (README): 0 ok, 2 usage, 3 invalid input or config (nothing written), 4 partial
failure, 1 unexpected. Errors are caught in ``main`` and only there, and mapped by class.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from corrispondenza.config import ConfigCaricata, carica_config
from corrispondenza.errors import (
    CorrispondenzaError,
    InputNonValidoError,
    NonTrovatoError,
    TransizioneNonValidaError,
)
from corrispondenza.store.database import apri, sessione


class ExitStatus(IntEnum):
    OK = 0
    ERRORE_INATTESO = 1
    USO = 2
    INPUT_NON_VALIDO = 3
    FALLIMENTO_PARZIALE = 4


app = typer.Typer(
    name="corrispondenza",
    help="Corrispondenza del recupero crediti: importa, consulta, (in seguito) pianifica e invia.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_LARGHEZZA = None if sys.stdout.isatty() else 160  # pipes and files get full tables, not 80 columns
out = Console(highlight=False, soft_wrap=True, width=_LARGHEZZA)
err = Console(stderr=True, highlight=False, soft_wrap=True)

OpzioneJson = Annotated[bool, typer.Option("--json", help="Stampa il risultato in JSON (formato stabile).")]


@app.callback()
def principale(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option("--config", "-c", help="Il file di configurazione.", envvar="CORRISPONDENZA_CONFIG"),
    ] = Path("config.yaml"),
) -> None:
    ctx.obj = {"config": config}


def config_di(ctx: typer.Context) -> ConfigCaricata:
    return carica_config(ctx.obj["config"])


@contextmanager
def archivio(caricata: ConfigCaricata, *, sola_lettura: bool = False) -> Iterator[Session]:
    """One transaction on the workspace's database, the engine closed afterwards."""
    engine = apri(caricata.database_url)
    try:
        with sessione(engine, sola_lettura=sola_lettura) as s:
            yield s
    finally:
        engine.dispose()


@contextmanager
def barra_lettere(nascosta: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar with rate and time left; yields ``avanza(fatte, totale)`` for the work."""
    with Progress(
        TextColumn("Lettere"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[velocita]}"),
        TimeRemainingColumn(),
        console=out,
        disable=nascosta or not out.is_terminal,
    ) as barra:
        compito = barra.add_task("lettere", total=None, velocita="")

        def avanza(quante: int, totale: int) -> None:
            barra.update(compito, total=totale, advance=quante)
            t = barra.tasks[0]
            if t.elapsed:
                barra.update(compito, velocita=f"{t.completed / t.elapsed:.1f} lettere/s")

        yield avanza


def stampa_json(dati: Any) -> None:
    print(json.dumps(dati, ensure_ascii=False, indent=2))


def _stampa_errore(exc: CorrispondenzaError) -> None:
    err.print(f"[bold red]Errore:[/] {escape(str(exc))}", markup=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the app and turn project errors into messages and exit codes."""
    try:
        return app(args=argv, standalone_mode=True)
    except (InputNonValidoError, NonTrovatoError, TransizioneNonValidaError) as exc:
        _stampa_errore(exc)  # the user asked for something invalid: nothing was written
        sys.exit(ExitStatus.INPUT_NON_VALIDO)
    except CorrispondenzaError as exc:
        _stampa_errore(exc)
        sys.exit(ExitStatus.ERRORE_INATTESO)
    except KeyboardInterrupt:
        err.print("Interrotto.")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CORRISPONDENZA_DEBUG"):
            raise
        err.print(
            f"Errore inatteso ({exc.__class__.__name__}). "
            "Ripetere con CORRISPONDENZA_DEBUG=1 per i dettagli tecnici e segnalarlo ai manutentori."
        )
        sys.exit(ExitStatus.ERRORE_INATTESO)
