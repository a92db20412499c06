"""``corrispondenza demo``: the flow that exists so far, on generated sample data: import, then
the month's planning, reviewed and approved, then the lotto's PDFs and print bundles.

It uses the config given with ``--config`` when that file exists (the repository's own
config.yaml, whose database lives in demo/), otherwise it creates a workspace in the demo
folder. Running it twice on the same day imports nothing new: the import is idempotent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine, select

from corrispondenza import lotti, presentazione
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config import Config, carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.consulta import riepilogo
from corrispondenza.genera import genera_lotto
from corrispondenza.modelli.predefiniti import scrivi_modelli
from corrispondenza.regole.parametri import Parametri
from corrispondenza.stato import StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lotto
from corrispondenza.workspace import inizializza

ORDINE = ("soggetti", "relazioni", "crediti", "pagamenti", "storico")


def esegui_demo(out: Console, config: Path, cartella: Path, *, n_crediti: int, seme: int, oggi: date) -> None:
    from corrispondenza.cli.archivio import esegui_importazione

    if not config.exists():
        config = cartella / "config.yaml"
        if not config.exists():
            inizializza(cartella)
            out.print(f"Creato lo spazio di lavoro {cartella}")
    caricata = carica_config(config)
    scrivi_modelli(caricata.modelli)  # the default templates, where the config expects them
    strutture = {tipo: s for tipo, s in _strutture_per_tipo().items() if s in caricata.config.ente.strutture}
    out.print(f"Genero {n_crediti} crediti di esempio (seme {seme}) in {cartella / 'dati'} ...")
    campione = genera_campione(n_crediti, seed=seme, oggi=oggi, strutture=strutture or None)
    file = scrivi_campione(campione, cartella / "dati")
    for tipo in ORDINE:
        esito = esegui_importazione(caricata, tipo, file[tipo], solo_validi=False, oggi=oggi)
        presentazione.esito_importazione(out, out, esito, solo_validi=False)
        if esito.errori:
            raise RuntimeError(f"la demo ha prodotto dati non validi in {file[tipo]}")
    engine = apri(caricata.database_url)
    try:
        with sessione(engine) as s:
            presentazione.riepilogo(out, riepilogo(s))
        lotto = _pianifica_e_approva(out, engine, caricata.config, oggi)
        if lotto is not None:
            _genera(out, engine, caricata, lotto)
    finally:
        engine.dispose()
    out.print(
        "Provare ora: corrispondenza stato --riepilogo, corrispondenza stato CODICE_FISCALE "
        f"(i codici sono in {file['soggetti']}), corrispondenza lotto mostra N, "
        "corrispondenza segnalazioni --tipo fallimento, corrispondenza modelli verifica, "
        "corrispondenza modelli anteprima sollecito"
    )


def _pianifica_e_approva(out: Console, engine: Engine, config: Config, oggi: date) -> int | None:
    """The month's planning on the sample, approved as the clerk would after reviewing it.

    Returns the lotto to generate: today's new one, or the one a previous run left approved.
    """
    operazione = Operazione.corrente()
    with sessione(engine) as s:
        esito = lotti.pianifica(s, operazione, oggi, Parametri.da_config(config))
        if esito.lotto_id is None:
            out.print(f"Pianificazione del {oggi:%d/%m/%Y}: nessuna nuova lettera (già in un lotto aperto).")
            aperto = s.scalar(
                select(Lotto.id)
                .where(Lotto.data == oggi, Lotto.stato.in_([StatoLotto.APPROVATA, StatoLotto.GENERATA]))
                .order_by(Lotto.id.desc())
            )
            return aperto
        lotti.cambia_stato_lotto(s, operazione, esito.lotto_id, StatoLotto.APPROVATA)
        presentazione.lotto(out, lotti.mostra(s, esito.lotto_id))
        return esito.lotto_id


def _genera(out: Console, engine: Engine, caricata: ConfigCaricata, lotto: int) -> None:
    """The approved lotto's PDFs; a second run finds them done and redoes nothing."""
    out.print(f"Genero i PDF/A del lotto {lotto} (LibreOffice) ...")
    presentazione.esito_generazione(out, genera_lotto(engine, caricata, lotto, Operazione.corrente()))


def _strutture_per_tipo() -> dict[str, str]:
    """Which office runs each credit type in the demo (Art. 4 c. 3)."""
    return {
        "a": "TICKET",
        "e": "TICKET",
        "b": "BILANCIO",
        "c": "BILANCIO",
        "d": "BILANCIO",
        "f": "BILANCIO",
        "g": "LEGALE",
    }
