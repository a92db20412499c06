"""``ricevute``: read the PEC mailbox's receipts (the group itself) and ``analizza`` one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from corrispondenza.cli.base import ExitStatus, OpzioneJson, app, config_di, err, out, stampa_json
from corrispondenza.errors import InputNonValidoError
from corrispondenza.ricevute.firma import con_firma
from corrispondenza.ricevute.parser import LIMITE_BYTE, Classe, Ricevuta, analizza

ricevute_app = typer.Typer(
    help="Ricevute PEC: senza sottocomando legge la casella e le riconcilia con le lettere.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(ricevute_app, name="ricevute")


@ricevute_app.callback()
def principale(
    ctx: typer.Context,
    segui: bool = typer.Option(False, "--segui", help="Resta in ascolto della casella (IMAP IDLE)."),
    come_json: OpzioneJson = False,
) -> None:
    """Legge le ricevute della casella PEC e aggiorna lo stato delle lettere."""
    if ctx.invoked_subcommand is None:
        from corrispondenza.ricevute.riconcilia import esegui_da_cli

        esegui_da_cli(ctx, segui=segui, come_json=come_json)


@ricevute_app.command("analizza")
def analizza_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Il messaggio (.eml) così come scaricato dalla casella.")],
    ca: Annotated[
        Path | None,
        typer.Option("--ca", help="Le autorità di certificazione (PEM) per verificare la firma."),
    ] = None,
    come_json: OpzioneJson = False,
) -> None:
    """Mostra che cosa dice un messaggio della casella PEC: ricevuta, busta o altro, e la sua firma."""
    grezzo = _leggi(file)
    ricevuta = analizza(grezzo)
    illeggibile = ricevuta.motivo  # the parser's reason, before the signature's is added
    if len(grezzo) <= LIMITE_BYTE:
        ricevuta = con_firma(ricevuta, grezzo, ca or _ca_dalla_config(ctx))
    if come_json:
        stampa_json(ricevuta.come_json())
    else:
        out.print(_tabella(ricevuta))
    if ricevuta.classe is Classe.ILLEGGIBILE:
        err.print(f"Messaggio illeggibile: {illeggibile}", markup=False)
        raise typer.Exit(ExitStatus.INPUT_NON_VALIDO)


def _leggi(file: Path) -> bytes:
    """At most one byte over the limit: a huge file is refused by ``analizza`` without filling memory."""
    try:
        with file.open("rb") as f:
            return f.read(LIMITE_BYTE + 1)
    except OSError as exc:
        raise InputNonValidoError(f"impossibile leggere {file}: {exc.strerror or exc}") from exc


def _ca_dalla_config(ctx: typer.Context) -> Path | None:
    """``canali.pec.ca_ricevute`` if a config loads; analizza works without a workspace too."""
    try:
        caricata = config_di(ctx)
    except Exception:  # no or bad config: the signature is simply not verifiable
        return None
    pec = caricata.config.canali.pec
    if pec is None or not pec.ca_ricevute:
        return None
    return (caricata.cartella / pec.ca_ricevute).resolve()


def _tabella(r: Ricevuta) -> Table:
    tabella = Table("campo", "valore", title="Messaggio della casella PEC", show_header=False)
    for etichetta, valore in _righe(r):
        tabella.add_row(etichetta, Text(valore))
    return tabella


def _righe(r: Ricevuta) -> list[tuple[str, str]]:
    data = f"{r.data:%d/%m/%Y %H:%M:%S} ({r.zona})" if r.data else "—"
    destinatari = "\n".join(f"{d.indirizzo} ({d.tipo})" for d in r.destinatari)
    postacert = f"{len(r.postacert)} byte" if r.postacert is not None else "—"
    righe = [
        ("Classe", r.classe),
        ("Tipo", r.tipo),
        ("Message-ID", r.message_id),
        ("Nostro Message-ID", r.msgid),
        ("X-Riferimento-Message-ID", r.riferimento),
        ("Identificativo", r.identificativo),
        ("Data legale", data),
        ("Consegna", r.consegna),
        ("Destinatari", destinatari),
        ("Mittente", r.mittente),
        ("Oggetto", r.oggetto),
        ("Gestore", r.gestore),
        ("Errore", r.errore),
        ("Errore esteso", r.errore_esteso),
        ("Codice errore", r.codice_errore),
        ("Tipo di ricevuta", r.tipo_ricevuta),
        ("Postacert.eml", postacert),
        ("Verifica di sicurezza in errore", "sì" if r.verifica_sicurezza_errore else "no"),
        ("Esito finale", "sì" if r.finale else "no"),
        ("Chiave di deduplicazione", r.identita),
        ("Firma", r.firma),
        ("Motivo", r.motivo),
    ]
    return [(etichetta, str(valore) if valore else "—") for etichetta, valore in righe]
