"""The command line (Typer): Italian verbs, ``--json`` on every read command, stable exit codes.

Exit codes (README): 0 ok, 2 usage, 3 invalid input or config (nothing written), 4 partial
failure, 1 unexpected. Errors are caught here and only here, and mapped by class.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from corrispondenza import orologio, presentazione
from corrispondenza.config import ConfigCaricata, carica_config
from corrispondenza.errors import (
    CorrispondenzaError,
    DatiNonValidiError,
    InputNonValidoError,
    NonTrovatoError,
)
from corrispondenza.importa import IMPORTATORI, Contesto, EsitoImportazione, importa_file
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione


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
_LARGHEZZA = None if sys.stdout.isatty() else 120  # pipes and files get full tables, not 80 columns
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


def _config(ctx: typer.Context) -> ConfigCaricata:
    return carica_config(ctx.obj["config"])


@app.command()
def init(
    cartella: Annotated[Path, typer.Argument(help="La cartella dello spazio di lavoro.")] = Path(),
) -> None:
    """Crea uno spazio di lavoro: config.yaml (con i valori del Regolamento), modelli/, outbox/."""
    from corrispondenza.workspace import inizializza

    for percorso in inizializza(cartella):
        out.print(f"creato {percorso}")
    out.print(f"Modificare {cartella / 'config.yaml'} con i dati dell'ente, poi importare i dati.")


@app.command()
def importa(
    ctx: typer.Context,
    tipo: Annotated[str, typer.Argument(help="soggetti | relazioni | crediti | pagamenti | storico")],
    file: Annotated[Path, typer.Argument(help="File CSV, XLSX o JSON.")],
    solo_validi: Annotated[
        bool, typer.Option("--solo-validi", help="Importa le righe valide e scarta quelle con errori.")
    ] = False,
    come_json: OpzioneJson = False,
) -> None:
    """Importa un file esportato dalla contabilità. Con errori non scrive nulla (salvo --solo-validi)."""
    if tipo not in IMPORTATORI:
        raise typer.BadParameter(
            f"tipo sconosciuto «{tipo}»: usare {', '.join(IMPORTATORI)}", param_hint="TIPO"
        )
    caricata = _config(ctx)
    try:
        esito = esegui_importazione(caricata, tipo, file, solo_validi=solo_validi, oggi=orologio.oggi())
    except DatiNonValidiError as exc:
        if not come_json:
            raise
        esito = EsitoImportazione(tipo=tipo, file=file.name, errori=exc.problemi)  # the same shape
    if come_json:
        print(json.dumps(esito.come_json(), ensure_ascii=False, indent=2))
    else:
        presentazione.esito_importazione(out, err, esito, solo_validi)
    if esito.errori:
        parziale = solo_validi and esito.validi > 0
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE if parziale else ExitStatus.INPUT_NON_VALIDO)


def esegui_importazione(
    caricata: ConfigCaricata, tipo: str, file: Path, *, solo_validi: bool, oggi: date
) -> EsitoImportazione:
    """One import, as the CLI and the demo run it."""
    config = caricata.config
    contesto = Contesto(oggi=oggi, strutture=frozenset(config.ente.strutture), op=Operazione.corrente())
    engine = apri(caricata.database_url)
    try:
        return importa_file(
            IMPORTATORI[tipo](),
            file,
            engine=engine,
            ctx=contesto,
            mappa_colonne=config.importazione.colonne.get(tipo, {}),
            solo_validi=solo_validi,
        )
    finally:
        engine.dispose()


@app.command()
def stato(
    ctx: typer.Context,
    chiave: Annotated[
        str | None,
        typer.Argument(help="Codice fiscale del debitore, oppure id del credito (o STRUTTURA/ID)."),
    ] = None,
    riepilogo: Annotated[
        bool, typer.Option("--riepilogo", help="Conteggi e totali per tipo, fase e stato.")
    ] = False,
    come_json: OpzioneJson = False,
) -> None:
    """Mostra un debitore o un credito (importi, pagamenti, lettere, giornale), o il riepilogo."""
    from corrispondenza import consulta

    if (chiave is None) == (not riepilogo):
        raise typer.BadParameter("indicare un codice fiscale o un id di credito, oppure --riepilogo")
    engine = apri(_config(ctx).database_url)
    try:
        with sessione(engine) as s:
            dati = consulta.riepilogo(s) if riepilogo else consulta.stato_di(s, chiave or "")
    finally:
        engine.dispose()
    if come_json:
        print(json.dumps(dati, ensure_ascii=False, indent=2))
    elif riepilogo:
        presentazione.riepilogo(out, dati)
    else:
        presentazione.scheda(out, dati)


@app.command()
def demo(
    ctx: typer.Context,
    cartella: Annotated[Path, typer.Argument(help="Dove scrivere i dati di esempio.")] = Path("demo"),
    crediti: Annotated[int, typer.Option("--crediti", min=20, help="Quanti crediti generare.")] = 2000,
    seme: Annotated[
        int, typer.Option("--seme", help="Seme del generatore (stessi dati a parità di seme).")
    ] = 1,
) -> None:
    """Il flusso completo su dati di esempio: genera, importa, riepiloga."""
    from corrispondenza.demo import esegui_demo

    esegui_demo(out, ctx.obj["config"], cartella, n_crediti=crediti, seme=seme, oggi=orologio.oggi())


def _stampa_errore(exc: CorrispondenzaError) -> None:
    err.print(f"[bold red]Errore:[/] {escape(str(exc))}", markup=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the app and turn project errors into messages and exit codes."""
    try:
        return app(args=argv, standalone_mode=True)
    except InputNonValidoError as exc:
        _stampa_errore(exc)
        sys.exit(ExitStatus.INPUT_NON_VALIDO)
    except NonTrovatoError as exc:
        _stampa_errore(exc)
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
