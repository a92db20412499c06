"""Commands of the monthly cycle: pianifica, the lotto's review and approval, contestations, reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from corrispondenza import lotti, orologio, presentazione, segnalazioni
from corrispondenza.cli.base import OpzioneJson, app, archivio, config_di, out, stampa_json
from corrispondenza.contestazioni import apri_contestazione, esito_contestazione
from corrispondenza.regole.parametri import Parametri
from corrispondenza.stato import StatoLotto
from corrispondenza.store.giornale import Operazione

lotto_app = typer.Typer(help="Rivedere, approvare o annullare un lotto.", no_args_is_help=True)
contestazione_app = typer.Typer(
    help="Contestazioni dei debitori (Art. 5 c. 6, Art. 6 c. 11).", no_args_is_help=True
)
app.add_typer(lotto_app, name="lotto")
app.add_typer(contestazione_app, name="contestazione")

OpzioneData = Annotated[
    str | None, typer.Option("--data", help="Data di riferimento AAAA-MM-GG (predefinita: oggi).")
]


def _data(testo: str | None) -> date:
    if testo is None:
        return orologio.oggi()
    try:
        return date.fromisoformat(testo)
    except ValueError:
        raise typer.BadParameter(
            f"data non valida «{testo}»: usare AAAA-MM-GG", param_hint="--data"
        ) from None


@app.command()
def pianifica(ctx: typer.Context, data: OpzioneData = None, come_json: OpzioneJson = False) -> None:
    """Propone il lotto del giorno: le lettere dovute, i crediti esclusi e perché, le segnalazioni."""
    caricata = config_di(ctx)
    giorno = _data(data)
    with archivio(caricata) as s:
        esito = lotti.pianifica(s, Operazione.corrente(), giorno, Parametri.da_config(caricata.config))
        dati = lotti.mostra(s, esito.lotto_id) if esito.lotto_id else None
    if come_json:
        stampa_json(
            dati
            or {"lotto": None, "data": giorno.isoformat(), "lettere": [], "esclusi": [], "segnalazioni": []}
        )
    elif dati is None:
        out.print(f"Nessuna nuova lettera né segnalazione al {giorno:%d/%m/%Y}.")
    else:
        presentazione.lotto(out, dati)


@lotto_app.command("mostra")
def lotto_mostra(ctx: typer.Context, lotto: int, come_json: OpzioneJson = False) -> None:
    """Mostra un lotto: lettere con importi e motivi, esclusi raggruppati per motivo, segnalazioni."""
    with archivio(config_di(ctx)) as s:
        dati = lotti.mostra(s, lotto)
    stampa_json(dati) if come_json else presentazione.lotto(out, dati)


@lotto_app.command("approva")
def lotto_approva(ctx: typer.Context, lotto: int) -> None:
    """Approva il lotto: destinatari, canali e importi restano congelati."""
    _cambia(ctx, lotto, StatoLotto.APPROVATA, "approvato: lettere e importi congelati")


@lotto_app.command("annulla")
def lotto_annulla(ctx: typer.Context, lotto: int) -> None:
    """Annulla un lotto non ancora inviato: i suoi crediti tornano pianificabili."""
    _cambia(ctx, lotto, StatoLotto.ANNULLATA, "annullato")


def _cambia(ctx: typer.Context, lotto: int, nuovo: StatoLotto, detto: str) -> None:
    with archivio(config_di(ctx)) as s:
        riga = lotti.cambia_stato_lotto(s, Operazione.corrente(), lotto, nuovo)
        lettere = len(riga.lettere)
    out.print(f"Lotto {lotto} {detto} ({lettere} lettere).")


@contestazione_app.command("apri")
def contestazione_apri(
    ctx: typer.Context,
    credito: str,
    data: OpzioneData = None,
    nota: Annotated[str, typer.Option("--nota", help="Sintesi della contestazione.")] = "",
) -> None:
    """Registra una contestazione: il credito resta bloccato fino all'esito (Art. 5 c. 6)."""
    with archivio(config_di(ctx)) as s:
        trovato = apri_contestazione(s, Operazione.corrente(), credito, _data(data), nota)
    out.print(f"Contestazione registrata sul credito {trovato}: procedura sospesa fino all'esito.")


@contestazione_app.command("esito")
def contestazione_esito(
    ctx: typer.Context,
    credito: str,
    esito: Annotated[str, typer.Argument(help="accolta | respinta")],
    data: OpzioneData = None,
    nota: Annotated[str, typer.Option("--nota", help="Motivazione dell'esito.")] = "",
) -> None:
    """Accolta: il credito è stralciato (Art. 5 c. 6). Respinta: la procedura riprende."""
    if esito not in ("accolta", "respinta"):
        raise typer.BadParameter("usare accolta oppure respinta", param_hint="ESITO")
    with archivio(config_di(ctx)) as s:
        trovato = esito_contestazione(
            s, Operazione.corrente(), credito, esito == "accolta", _data(data), nota
        )
    seguito = "stralciato (Art. 5 c. 6)" if esito == "accolta" else "di nuovo aperto: la procedura riprende"
    out.print(f"Contestazione {esito}: credito {trovato} {seguito}.")


@app.command("segnalazioni")
def segnalazioni_cmd(
    ctx: typer.Context,
    tipo: Annotated[
        str | None,
        typer.Option("--tipo", help="stralcio | fallimento | prescrizione | revisione | ruolo_diretto"),
    ] = None,
    formato: Annotated[str, typer.Option("--formato", help="csv | xlsx | json")] = "csv",
    uscita: Annotated[
        Path | None, typer.Option("--uscita", "-o", help="File da scrivere (predefinito: a video).")
    ] = None,
    lotto: Annotated[int | None, typer.Option("--lotto", help="Lotto (predefinito: l'ultimo).")] = None,
) -> None:
    """Gli elenchi per gli altri uffici: stralci e ruolo (Bilancio), fallimenti (Legale)."""
    if formato not in ("csv", "xlsx", "json"):
        raise typer.BadParameter("usare csv, xlsx o json", param_hint="--formato")
    if formato == "xlsx" and uscita is None:
        raise typer.BadParameter("per il formato xlsx indicare il file con --uscita", param_hint="--uscita")
    caricata = config_di(ctx)
    with archivio(caricata) as s:
        righe = segnalazioni.elenco(s, lotto, tipo, caricata.config.ente.destinatari_segnalazioni)
    segnalazioni.scrivi(righe, formato, uscita)
    if uscita is not None:
        out.print(f"{len(righe)} segnalazioni scritte in {uscita}.")
