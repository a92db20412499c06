"""``corrispondenza demo``: the flow that exists so far, on generated sample data: import, then
the month's planning, reviewed and approved, then the lotto's PDFs and print bundles, then the
sending through the local PEC provider sandbox (PEC and e-mail; posta with its bundle).

It uses the config given with ``--config`` when that file exists (the repository's own
config.yaml, whose database lives in demo/), otherwise it creates a workspace in the demo
folder. Running it again imports nothing new, on any later day too: the sample is generated
for the first run's day (``_giorno_del_campione``), the import is idempotent, and the lotto
already sent is not sent again. The sandbox is started for the run only, with a
fresh password in an environment variable of its own; the config file is never changed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine, select

from corrispondenza import lotti, presentazione
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.canali.coda import invia_lotto
from corrispondenza.config import Config, carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.config.schema import Canali, CasellaEmail, CasellaPec, Server
from corrispondenza.consulta import riepilogo
from corrispondenza.errors import DatiNonValidiError
from corrispondenza.genera import genera_lotto
from corrispondenza.modelli.predefiniti import scrivi_modelli
from corrispondenza.regole.parametri import Parametri
from corrispondenza.ricevute.imap import Riconciliatore
from corrispondenza.sandbox.avvio import SandboxAvviata, avvia_sandbox
from corrispondenza.sandbox.gestore import Esito, Scenario
from corrispondenza.stato import StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lettera, Lotto, Soggetto
from corrispondenza.workspace import inizializza

ORDINE = ("soggetti", "relazioni", "crediti", "pagamenti", "storico")
VARIABILE_PASSWORD = "CORRISPONDENZA_DEMO_SANDBOX_PASSWORD"  # noqa: S105 - the name of a variable
MESSAGGI_AL_MINUTO = 6000  # the sandbox has no real limit: a quick demo


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
    giorno = _giorno_del_campione(cartella / "dati", oggi)
    out.print(f"Genero {n_crediti} crediti di esempio (seme {seme}) in {cartella / 'dati'} ...")
    campione = genera_campione(n_crediti, seed=seme, oggi=giorno, strutture=strutture or None)
    file = scrivi_campione(campione, cartella / "dati")
    for tipo in ORDINE:
        if not getattr(campione, tipo):  # a small sample may have no relations: nothing to import
            out.print(f"{file[tipo].name}: nessuna riga nei dati di esempio, nulla da importare.")
            continue
        esito = esegui_importazione(caricata, tipo, file[tipo], solo_validi=False, oggi=oggi)
        presentazione.esito_importazione(out, out, esito, solo_validi=False)
        if esito.errori:
            raise DatiNonValidiError(
                f"I dati di esempio in {file[tipo]} non si importano nell'archivio della demo "
                f"(errori sopra): l'archivio è di una versione precedente della demo. Cancellare "
                f"la cartella {cartella} (make clean) e rilanciare la demo.",
                file=str(file[tipo]),
            )
    engine = apri(caricata.database_url)
    try:
        with sessione(engine) as s:
            presentazione.riepilogo(out, riepilogo(s))
        lotto = _pianifica_e_approva(out, engine, caricata.config, oggi)
        if lotto is not None and _stato_lotto(engine, lotto) == StatoLotto.INVIATA:
            presentazione.esito_invio(out, invia_lotto(engine, caricata, lotto, Operazione.corrente()))
        elif lotto is not None:
            _genera(out, engine, caricata, lotto)
            if _stato_lotto(engine, lotto) == StatoLotto.GENERATA:
                _invia(out, engine, caricata, lotto, cartella / "sandbox")
            else:
                out.print(f"Lotto {lotto} non generato per intero: invio saltato.")
    finally:
        engine.dispose()
    out.print(
        "Provare ora: corrispondenza stato --riepilogo, corrispondenza stato CODICE_FISCALE "
        f"(i codici sono in {file['soggetti']}), corrispondenza lotto mostra N, "
        "corrispondenza segnalazioni --tipo fallimento, corrispondenza modelli verifica, "
        "corrispondenza modelli anteprima sollecito"
    )


GIORNO_DEL_CAMPIONE = "giorno-del-campione.txt"


def _giorno_del_campione(dati: Path, oggi: date) -> date:
    """The day the sample data are generated for: the first run's, kept in the data folder.

    The sample's dates (due dates, payments) are drawn relative to that day; generated again
    on another day they would differ, and importing them over the first run's would be refused
    (a credit's amount below the payments already recorded). With the first day kept, every
    run imports the very same files: nothing changes, and time simply passes for the planning,
    which runs on the real today.
    """
    file = dati / GIORNO_DEL_CAMPIONE
    try:
        return date.fromisoformat(file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        dati.mkdir(parents=True, exist_ok=True)
        file.write_text(f"{oggi.isoformat()}\n", encoding="utf-8")
        return oggi


def _pianifica_e_approva(out: Console, engine: Engine, config: Config, oggi: date) -> int | None:
    """The month's planning on the sample, approved as the clerk would after reviewing it.

    Returns the lotto to generate: today's new one, or the one a previous run left approved or
    generated; or the one it already sent, which is neither planned again nor sent again.
    """
    operazione = Operazione.corrente()
    with sessione(engine) as s:
        inviato = s.scalar(
            select(Lotto.id)
            .where(Lotto.data == oggi, Lotto.stato == StatoLotto.INVIATA)
            .order_by(Lotto.id.desc())
        )
        if inviato is not None:  # planning again would only open an empty lotto for the signals
            out.print(f"Pianificazione del {oggi:%d/%m/%Y}: il lotto {inviato} di oggi è già stato inviato.")
            return inviato
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


def _virgola(secondi: float) -> str:
    return f"{secondi:.1f}".replace(".", ",")


def _stato_lotto(engine: Engine, lotto: int) -> str:
    with sessione(engine) as s:
        return s.get_one(Lotto, lotto).stato


def _invia(out: Console, engine: Engine, caricata: ConfigCaricata, lotto: int, cartella: Path) -> None:
    """The generated lotto through the sandbox provider, then its receipts read back, then the
    fallback planned for the letters not delivered: the whole cycle of Art. 6 c. 10–11."""
    out.print(f"Avvio il gestore PEC di prova in {cartella} (Dovecot e server SMTP locali) ...")
    with avvia_sandbox(cartella.resolve()) as sandbox, _variabile(VARIABILE_PASSWORD, sandbox.password):
        cfg = config_sandbox(caricata, sandbox)
        _imprevisti(out, engine, sandbox, lotto)
        out.print(f"Invio il lotto {lotto} come {sandbox.utente} ...")
        inizio = time.perf_counter()
        esito = invia_lotto(engine, cfg, lotto, Operazione.corrente())
        secondi = time.perf_counter() - inizio
        presentazione.esito_invio(out, esito)
        sandbox.gestore.attendi_quiete(timeout=60)
        accettati = Counter(m.canale for m in sandbox.gestore.accettati)
        out.print(
            f"Invio in {_virgola(secondi)} s. Il gestore di prova ha preso in carico {accettati['pec']} PEC "
            f"e {accettati['posta']} e-mail (registro in {sandbox.registro})."
        )
        out.print("Leggo le ricevute PEC dalla casella (corrispondenza ricevute) ...")
        presentazione.esito_ricevute(out, Riconciliatore(engine, cfg, Operazione.corrente()).esegui())
    _ripiego(out, engine, caricata.config, lotto)


SCENARI_DEMO = (
    (Scenario(esito=Esito.CASELLA_PIENA), "casella PEC piena"),
    (Scenario(esito=Esito.CASELLA_INESISTENTE), "casella PEC inesistente"),
    (Scenario(esito=Esito.ESTERNO), "indirizzo che non è una casella PEC"),
)


def _imprevisti(out: Console, engine: Engine, sandbox: SandboxAvviata, lotto: int) -> None:
    """A few recipients the provider will not deliver to, as happens every month for real."""
    with sessione(engine) as s:
        indirizzi = s.scalars(
            select(Soggetto.pec)
            .join(Lettera, Lettera.destinatario_id == Soggetto.id)
            .where(Lettera.lotto_id == lotto, Lettera.canale == "pec")
            .order_by(Lettera.id)
            .limit(len(SCENARI_DEMO))
        ).all()
    for indirizzo, (scenario, come) in zip(indirizzi, SCENARI_DEMO, strict=False):
        if indirizzo:
            sandbox.gestore.scenario(indirizzo, scenario)
            out.print(f"Nella sandbox un destinatario avrà: {come}.")


def _ripiego(out: Console, engine: Engine, config: Config, lotto: int) -> None:
    """Art. 6 c. 11: the letters not delivered are proposed again, by raccomandata, at once."""
    with sessione(engine) as s:
        esito = lotti.pianifica(s, Operazione.corrente(), oggi_lotto(s, lotto), Parametri.da_config(config))
        if esito.lotto_id is None:
            return
        nuovo = lotti.mostra(s, esito.lotto_id)
    raccomandate = sum(1 for x in nuovo["lettere"] if x["canale"] == "raccomandata_ar")
    out.print(
        f"Nuova pianificazione: il lotto {esito.lotto_id} propone {len(nuovo['lettere'])} lettere, "
        f"{raccomandate} per raccomandata A/R dove la PEC non è stata consegnata (da approvare: "
        f"corrispondenza lotto mostra {esito.lotto_id})."
    )
    with sessione(engine) as s:
        presentazione.riepilogo(out, riepilogo(s))


def oggi_lotto(s, lotto: int) -> date:
    return s.get_one(Lotto, lotto).data


def config_sandbox(caricata: ConfigCaricata, sandbox: SandboxAvviata) -> ConfigCaricata:
    """The same config with ``canali`` pointing at the sandbox: PEC on SMTPS, e-mail on STARTTLS.

    The e-mail sender is the sandbox account too (the provider takes mail only from its own
    accounts). Paths resolve as before: the config's file and folder do not change.
    """
    ca = str(sandbox.certificati.ca_cert.resolve())

    def server(porta: int, tls: str) -> Server:
        return Server(
            host="localhost",
            porta=porta,
            utente=sandbox.utente,
            password_env=VARIABILE_PASSWORD,
            tls=tls,
            ca_file=ca,
        )

    passo = {"messaggi_al_minuto": MESSAGGI_AL_MINUTO, "ritenta_dopo_secondi": 1, "timeout_secondi": 30}
    attuale = caricata.config.canali.pec
    pec = CasellaPec(
        indirizzo=sandbox.utente,
        smtp=server(sandbox.gestore.porta_smtp, "implicito"),
        imap=server(sandbox.dovecot.porta_imaps or 0, "implicito"),
        tipo_ricevuta=attuale.tipo_ricevuta if attuale else "sintetica",
        attesa_accettazione_secondi=5,
        ca_ricevute=ca,
        **passo,
    )
    email = CasellaEmail(
        mittente=sandbox.utente, smtp=server(sandbox.gestore.porta_posta, "starttls"), **passo
    )
    config = caricata.config.model_copy(update={"canali": Canali(pec=pec, email=email)})
    return ConfigCaricata(config=config, percorso=caricata.percorso)


@contextmanager
def _variabile(nome: str, valore: str) -> Iterator[None]:
    """``nome`` set to ``valore`` for the block; put back as it was afterwards."""
    prima = os.environ.get(nome)
    os.environ[nome] = valore
    try:
        yield
    finally:
        if prima is None:
            os.environ.pop(nome, None)
        else:
            os.environ[nome] = prima


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
