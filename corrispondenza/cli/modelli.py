"""Commands for the letter templates and for turning a lotto into PDFs: modelli, genera."""

from __future__ import annotations

import contextlib
import json
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from corrispondenza import presentazione
from corrispondenza.cli.base import ExitStatus, OpzioneJson, app, barra_lettere, config_di, out, stampa_json
from corrispondenza.config.schema import FILE_MODELLI
from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import InputNonValidoError, ModelloNonValidoError, PdfError, Problema
from corrispondenza.genera import genera_lotto
from corrispondenza.modelli import campi
from corrispondenza.modelli.documento import FileModello
from corrispondenza.modelli.rendi import Modello
from corrispondenza.modelli.verifica import verifica_messaggi, verifica_modello
from corrispondenza.pdf.convertitore import Lavoro, PoolConvertitori
from corrispondenza.riservato import scrivi_byte_riservati
from corrispondenza.store.database import apri
from corrispondenza.store.giornale import Operazione

modelli_app = typer.Typer(help="I modelli delle lettere: campi, verifica, anteprima.", no_args_is_help=True)
app.add_typer(modelli_app, name="modelli")

TIPI = ", ".join(t.value for t in FILE_MODELLI)


def _tipo(testo: str) -> TipoLettera:
    try:
        tipo = TipoLettera(testo)
    except ValueError:
        tipo = None
    if tipo not in FILE_MODELLI:
        raise typer.BadParameter(f"lettera sconosciuta «{testo}» (ammesse: {TIPI})")
    return tipo  # type: ignore[return-value]


@modelli_app.command("campi")
def modelli_campi(
    tipo: Annotated[str | None, typer.Argument(help=f"Solo i campi di una lettera ({TIPI}).")] = None,
    come_json: OpzioneJson = False,
) -> None:
    """Elenca i campi che un modello può usare, con il significato e un esempio."""
    tipi = [_tipo(tipo)] if tipo else list(FILE_MODELLI)
    elenco: dict[str, dict[str, Any]] = {}
    for t in tipi:
        for percorso, campo in campi.elenca(t):
            voce = elenco.setdefault(
                percorso,
                {
                    "campo": percorso,
                    "genere": campo.genere.value,
                    "descrizione": campo.descrizione,
                    "facoltativo": campo.facoltativo,
                    "esempio": _in_json(campo.esempio) if campo.genere not in _GRUPPI else None,
                    "lettere": [],
                },
            )
            voce["lettere"].append(t.value)
    if come_json:
        stampa_json(list(elenco.values()))
        return
    for voce in elenco.values():
        filtro = campi.FILTRI_PER_GENERE.get(campi.Genere(voce["genere"]))
        uso = f"{{{{ {voce['campo']}|{filtro} }}}}" if filtro else voce["campo"]
        facoltativo = " (può mancare: usare {% if %})" if voce["facoltativo"] else ""
        lettere = "" if len(voce["lettere"]) == len(tipi) else f" [solo: {', '.join(voce['lettere'])}]"
        out.print(f"{uso}{lettere}\n    {voce['descrizione']}{facoltativo}")


_GRUPPI = (campi.Genere.GRUPPO, campi.Genere.ELENCO)


def _in_json(valore: Any) -> Any:
    if isinstance(valore, (date, Decimal)):
        return str(valore) if isinstance(valore, Decimal) else valore.isoformat()
    return valore


@modelli_app.command("verifica")
def modelli_verifica(
    ctx: typer.Context,
    tipi: Annotated[list[str] | None, typer.Argument(help=f"Le lettere da verificare ({TIPI}).")] = None,
    come_json: OpzioneJson = False,
) -> None:
    """Controlla i modelli: campi sconosciuti (anche nei cicli e nelle tabelle), sintassi, divieti."""
    caricata = config_di(ctx)
    scelti = [_tipo(t) for t in tipi] if tipi else list(FILE_MODELLI)
    problemi: list[Problema] = []
    for tipo in scelti:
        percorso = caricata.modelli / caricata.config.modelli.file[tipo]
        try:
            problemi += verifica_modello(FileModello(percorso), tipo)
        except ModelloNonValidoError as exc:
            problemi += exc.problemi or [Problema(exc.messaggio, file=percorso.name)]
    messaggi = caricata.modelli / caricata.config.modelli.messaggi
    problemi += verifica_messaggi(messaggi, scelti)
    if come_json:
        stampa_json(
            {
                "modelli": [*(caricata.config.modelli.file[t] for t in scelti), messaggi.name],
                "problemi": [
                    {"file": p.file, "dove": p.percorso, "campo": p.valore, "motivo": p.motivo}
                    for p in problemi
                ],
            }
        )
        if problemi:
            raise typer.Exit(ExitStatus.INPUT_NON_VALIDO)
        return
    if problemi:
        raise ModelloNonValidoError(f"{len(problemi)} problemi nei modelli:", problemi)
    corretti = [*(caricata.config.modelli.file[t] for t in scelti), messaggi.name]
    out.print(f"Modelli corretti: {', '.join(corretti)}.")


@modelli_app.command("anteprima")
def modelli_anteprima(
    ctx: typer.Context,
    tipo: Annotated[str, typer.Argument(help=f"La lettera ({TIPI}).")],
    dati: Annotated[
        Path | None,
        typer.Option("--dati", help="File JSON con i dati da usare al posto di quelli di esempio."),
    ] = None,
    uscita: Annotated[
        Path | None,
        typer.Option("--uscita", "-o", help="Il PDF da scrivere (predefinito: anteprima-TIPO.pdf)."),
    ] = None,
) -> None:
    """Compone il modello con dati di esempio (o quelli di --dati) e ne fa un PDF."""
    caricata = config_di(ctx)
    scelto = _tipo(tipo)
    modello = Modello.carica(caricata.modelli / caricata.config.modelli.file[scelto], scelto)
    contesto = campi.esempio(scelto)
    if dati is not None:
        contesto = _unisci(contesto, _leggi_dati(dati))
    destinazione = (uscita or Path(f"anteprima-{scelto.value}.pdf")).absolute()
    with tempfile.TemporaryDirectory(prefix="corrispondenza-anteprima-") as cartella:
        docx = Path(cartella) / f"anteprima-{scelto.value}.docx"
        scrivi_byte_riservati(docx, modello.lettera(contesto))
        with PoolConvertitori(1) as pool:
            (esito,) = pool.converti([Lavoro(docx, destinazione)])
    if not esito.ok:
        raise PdfError(f"Anteprima non convertita in PDF: {esito.motivo}")
    out.print(f"Anteprima scritta in {destinazione} ({esito.pagine} pagine).")


def _leggi_dati(percorso: Path) -> dict[str, Any]:
    """Preview data from JSON: amounts as Decimal, ISO dates as dates."""
    try:
        testo = percorso.read_text(encoding="utf-8")
        dati = json.loads(testo, parse_float=Decimal, object_hook=_date)
    except OSError as exc:
        raise InputNonValidoError(f"File {percorso} non leggibile: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputNonValidoError(
            f"File {percorso} non valido: JSON errato alla riga {exc.lineno}, colonna {exc.colno}"
        ) from None
    if not isinstance(dati, dict):
        raise InputNonValidoError(f"File {percorso}: atteso un oggetto JSON con i campi della lettera")
    return dati


def _date(oggetto: dict[str, Any]) -> dict[str, Any]:
    for chiave, valore in oggetto.items():
        if isinstance(valore, str) and len(valore) == 10 and valore[4] == "-" and valore[7] == "-":
            with contextlib.suppress(ValueError):
                oggetto[chiave] = date.fromisoformat(valore)
    return oggetto


def _unisci(base: dict[str, Any], sopra: dict[str, Any]) -> dict[str, Any]:
    """The sample data with the user's values on top, group by group."""
    unito = dict(base)
    for chiave, valore in sopra.items():
        if isinstance(valore, dict) and isinstance(base.get(chiave), dict):
            unito[chiave] = _unisci(base[chiave], valore)
        else:
            unito[chiave] = valore
    return unito


@app.command()
def genera(ctx: typer.Context, lotto: int, come_json: OpzioneJson = False) -> None:
    """Genera i PDF/A delle lettere di un lotto approvato, i fascicoli di stampa e la distinta."""
    caricata = config_di(ctx)
    engine = apri(caricata.database_url)
    try:
        with barra_lettere(come_json) as avanza:
            esito = genera_lotto(engine, caricata, lotto, Operazione.corrente(), avanzamento=avanza)
    finally:
        engine.dispose()
    if come_json:
        stampa_json(esito.come_json())
    else:
        presentazione.esito_generazione(out, esito)
    if esito.fallite:
        raise typer.Exit(ExitStatus.FALLIMENTO_PARZIALE)
