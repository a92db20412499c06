"""``corrispondenza invia LOTTO``: PEC and e-mail through the queue, posta with its bundle."""

from __future__ import annotations

from typing import Annotated

import typer

from corrispondenza import presentazione
from corrispondenza.canali.coda import invia_lotto
from corrispondenza.cli.base import (
    ExitStatus,
    OpzioneJson,
    app,
    barra_lettere,
    config_di,
    err,
    out,
    stampa_json,
)
from corrispondenza.errors import InvioInCorsoError
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione


@app.command()
def invia(
    ctx: typer.Context,
    lotto: int,
    come_json: OpzioneJson = False,
    ritenta_incerte: Annotated[
        bool,
        typer.Option(
            "--ritenta-incerte",
            help="Reinvia le e-mail dall'esito incerto (connessione caduta durante l'invio), "
            "dopo aver verificato che non siano arrivate.",
        ),
    ] = False,
) -> None:
    """Invia le lettere di un lotto generato: PEC ed e-mail; la posta va con i fascicoli di stampa.

    Rilanciato dopo un'interruzione, completa il lavoro senza inviare due volte la stessa lettera.
    """
    caricata = config_di(ctx)
    engine = apri(caricata.database_url)
    try:
        with barra_lettere(come_json) as avanza:
            esito = invia_lotto(
                engine,
                caricata,
                lotto,
                Operazione.corrente(),
                avanzamento=avanza,
                ritenta_incerte=ritenta_incerte,
            )
    except InvioInCorsoError as exc:
        err.print(f"Errore: {exc.messaggio}")  # nothing was done: the other run goes on
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE) from None
    finally:
        engine.dispose()
    if come_json:
        stampa_json(esito.come_json())
    else:
        presentazione.esito_invio(out, esito)
    if not esito.completo:
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE)
