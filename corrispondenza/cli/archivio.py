"""Commands on the archive: start a workspace, import records, look a debtor or credit up, the demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from corrispondenza import orologio, presentazione
from corrispondenza.cli.base import ExitStatus, OpzioneJson, app, archivio, config_di, err, out, stampa_json
from corrispondenza.config import ConfigCaricata
from corrispondenza.errors import DatiNonValidiError
from corrispondenza.importa import IMPORTATORI, Contesto, EsitoImportazione, importa_file
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione


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
    caricata = config_di(ctx)
    try:
        esito = esegui_importazione(caricata, tipo, file, solo_validi=solo_validi, oggi=orologio.oggi())
    except DatiNonValidiError as exc:
        if not come_json:
            raise
        esito = EsitoImportazione(tipo=tipo, file=file.name, errori=exc.problemi)  # the same shape
    if come_json:
        stampa_json(esito.come_json())
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
    caricata = config_di(ctx)
    with archivio(caricata, sola_lettura=True) as s:
        dati = consulta.riepilogo(s) if riepilogo else consulta.stato_di(s, chiave or "")
    if not riepilogo:
        _prove_con_percorso(dati, (caricata.cartella / caricata.config.ricevute.archivio).resolve())
    if come_json:
        stampa_json(dati)
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


def _prove_con_percorso(dati: dict, cartella: Path) -> None:
    """Each receipt's evidence file as a full path: where a person (or a judge) finds it."""
    for credito in dati.get("crediti", []):
        for lettera in credito.get("lettere", []):
            for ricevuta in lettera.get("ricevute", []):
                ricevuta["prova"] = str(cartella / ricevuta["prova"])
