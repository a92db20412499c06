"""PEC sending: ``invia LOTTO`` through the sandbox provider against a bare smtplib loop.

One workspace, one generated lotto with every debtor given a PEC and no e-mail before
planning (LibreOffice generation is outside the timed part). Only the PEC letters are counted;
the lotto's posta letters (the avvisi) are handed over by ``invia`` with their print bundle. One sandbox
provider (aiosmtpd SMTPS, receipts signed and written into Dovecot) serves both sides, each
run with a fresh sender account of its own so that receipt mailboxes never mix:

- ours: ``invia_lotto`` on a fresh copy of the workspace, from the generated lotto to every
  letter ``inviata``: each message composed from messaggi.yaml and the PDF (checked against
  its hash), Message-IDs committed before the SMTP transaction, outcomes recorded;
- bare loop: one ``smtplib.SMTP_SSL`` connection, login, then one ``sendmail`` per letter of
  the same messages (same PDF, subject, body and headers; only From and Message-ID are the
  baseline sender's), all composed before the clock starts.

The recipients' mailboxes are made by an untimed first pass of the bare loop, so no timed run
pays for them; between runs the provider is let finish its delivery receipts. Each figure is
the best of ``RIPETIZIONI`` runs, ours and the loop alternating.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import smtplib
import ssl
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from bench import portata
from corrispondenza import lotti
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.canali.coda import invia_lotto
from corrispondenza.canali.messaggio import TestiMessaggi, componi
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.config.schema import Canali, CasellaPec, Server
from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.genera import genera_lotto
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.modelli.contesto import dati_delle_lettere, riferimento
from corrispondenza.orologio import adesso
from corrispondenza.pdf.convertitore import PoolConvertitori
from corrispondenza.regole.parametri import Parametri
from corrispondenza.sandbox.avvio import SandboxAvviata, avvia_sandbox
from corrispondenza.stato import StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lettera, Lotto, Soggetto
from corrispondenza.workspace import inizializza

OGGI = date(2026, 11, 23)
CREDITI_PER_PEC = 24  # measured on the sample: avvisi go by post or e-mail, so PEC is mostly solleciti
RIPETIZIONI = 3
VARIABILE_PASSWORD = "CORRISPONDENZA_BENCH_PEC_PASSWORD"  # noqa: S105 - the name of a variable
DOMINIO_MITTENTI = "pec.ausl-bench.example.it"
_numeri = itertools.count()


@dataclass(frozen=True)
class _Busta:
    destinatario: str
    dati: bytes


def misura_invio(n_pec: int, processi: int = 2) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-invio-") as cartella:
        base = Path(cartella)
        modello, lotto = prepara_lotto_pec(base / "ufficio", n_pec, processi)
        with avvia_sandbox(base / "sandbox") as sandbox:
            mittente, segreto = _nuovo_mittente(sandbox)
            buste = _buste(carica_config(modello / "config.yaml"), lotto, mittente)
            _ciclo_nudo(sandbox, mittente, segreto, buste)  # untimed: makes the recipients' mailboxes
            sandbox.gestore.attendi_quiete(timeout=300)
            nostri, nudi = [], []
            for i in range(RIPETIZIONI):
                copia = base / f"copia-{i}"
                shutil.copytree(modello, copia)
                nostri.append(_nostro(sandbox, copia, lotto, len(buste)))
                sandbox.gestore.attendi_quiete(timeout=300)
                mittente, segreto = _nuovo_mittente(sandbox)
                buste = _buste(carica_config(copia / "config.yaml"), lotto, mittente)
                nudi.append(_ciclo_nudo(sandbox, mittente, segreto, buste))
                sandbox.gestore.attendi_quiete(timeout=300)
    n = len(buste)
    return {"invio_pec_vs_smtplib": {**portata(n, nostri, nudi, "lettere/s", ">= 0.8", 2), "lettere": n}}


def prepara_lotto_pec(cartella: Path, n_pec: int, processi: int) -> tuple[Path, int]:
    """A workspace with a generated lotto of about ``n_pec`` PEC letters.

    Every debtor has a PEC and no e-mail; the avvisi still go by post (the sollecito is the
    letter PEC carries): ours marks them handed over inside its timed run (one transaction),
    the bare loop has nothing of the kind. Counted are the PEC letters only.
    """
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    campione = genera_campione(n_pec * CREDITI_PER_PEC, seed=11, oggi=OGGI)
    file = scrivi_campione(campione, cartella / "dati")
    engine = apri(cfg.database_url)
    op = Operazione("bench")
    contesto = Contesto(oggi=OGGI, strutture=frozenset(cfg.config.ente.strutture), op=op)
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        esito = importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto)
        if esito.errori:
            raise RuntimeError(f"campione non valido: {esito.errori[:3]}")
    with sessione(engine) as s:  # every debtor reachable by PEC, none by e-mail
        pec = func.lower(Soggetto.codice_fiscale).concat("@pec.example.it")
        s.execute(update(Soggetto).values(pec=pec, email=None))
    with sessione(engine) as s:
        piano = lotti.pianifica(s, op, OGGI, Parametri.da_config(cfg.config))
        if piano.lotto_id is None:
            raise RuntimeError("la pianificazione di prova non ha proposto nulla")
        lotti.cambia_stato_lotto(s, op, piano.lotto_id, StatoLotto.APPROVATA)
    with PoolConvertitori(processi, cartella=cartella / ".libreoffice-bench", timeout=120) as pool:
        generato = genera_lotto(engine, cfg, piano.lotto_id, op, pool=pool)
    engine.dispose()
    if generato.fallite:
        raise RuntimeError(f"generazione di prova con lettere non riuscite: {generato.fallite}")
    return cartella, piano.lotto_id


def _nuovo_mittente(sandbox: SandboxAvviata) -> tuple[str, str]:
    """A sender account of its own on the provider: its receipts land in its own mailbox."""
    indirizzo = f"recupero{next(_numeri)}@{DOMINIO_MITTENTI}"
    segreto = secrets.token_urlsafe(18)
    sandbox.gestore.aggiungi_mittente(indirizzo, segreto)
    return indirizzo, segreto


def _config_sandbox(cfg: ConfigCaricata, sandbox: SandboxAvviata, mittente: str) -> ConfigCaricata:
    """``canali.pec`` pointing at the sandbox as ``mittente``, no pacing to speak of."""
    server = {
        "host": "localhost",
        "utente": mittente,
        "password_env": VARIABILE_PASSWORD,
        "tls": "implicito",
        "ca_file": str(sandbox.certificati.ca_cert.resolve()),
    }
    pec = CasellaPec(
        indirizzo=mittente,
        smtp=Server(porta=sandbox.gestore.porta_smtp, **server),
        imap=Server(porta=sandbox.dovecot.porta_imaps or 0, **server),
        messaggi_al_minuto=100_000,
        ritenta_dopo_secondi=1,
        attesa_accettazione_secondi=5,
        timeout_secondi=30,
    )
    return ConfigCaricata(cfg.config.model_copy(update={"canali": Canali(pec=pec)}), cfg.percorso)


def _nostro(sandbox: SandboxAvviata, cartella: Path, lotto: int, attese: int) -> float:
    mittente, segreto = _nuovo_mittente(sandbox)
    cfg = _config_sandbox(carica_config(cartella / "config.yaml"), sandbox, mittente)
    engine = apri(cfg.database_url)
    os.environ[VARIABILE_PASSWORD] = segreto
    try:
        inizio = time.perf_counter()
        esito = invia_lotto(engine, cfg, lotto, Operazione("bench"))
        secondi = time.perf_counter() - inizio
    finally:
        os.environ.pop(VARIABILE_PASSWORD, None)
        engine.dispose()
    if not esito.completo or esito.inviate[Canale.PEC.value] != attese:
        raise RuntimeError(f"invio di prova non completo: {esito.come_json()}")
    return secondi


def _buste(cfg: ConfigCaricata, lotto: int, mittente: str) -> list[_Busta]:
    """The lotto's PEC messages as ``invia`` composes them, but From ``mittente``: built untimed."""
    engine = apri(cfg.database_url)
    with sessione(engine) as s:
        giorno = s.get_one(Lotto, lotto).data
        righe = s.execute(
            select(Lettera.id, Lettera.tipo, Soggetto.pec)
            .join(Soggetto, Soggetto.id == Lettera.destinatario_id)
            .where(Lettera.lotto_id == lotto, Lettera.canale == Canale.PEC.value)
            .order_by(Lettera.id)
        ).all()
        dati = dati_delle_lettere(s, cfg.config, [r.id for r in righe], giorno)
    engine.dispose()
    testi = TestiMessaggi(cfg.modelli / cfg.config.modelli.messaggi)
    cartella_pdf = cfg.outbox / str(lotto) / "lettere"
    buste = []
    for id_, tipo, indirizzo in righe:
        corpo = componi(
            mittente=mittente,
            destinatario=indirizzo,
            testo=testi.rendi(TipoLettera(tipo), dati[id_]),
            message_id=f"<{riferimento(id_, giorno)}.{secrets.token_hex(6)}@{DOMINIO_MITTENTI}>",
            data=adesso(),
            pdf=(cartella_pdf / f"{id_}.pdf").read_bytes(),
            nome_pdf=f"{riferimento(id_, giorno)}.pdf",
            intestazioni={"X-TipoRicevuta": "sintetica"},
        )
        buste.append(_Busta(indirizzo, corpo))
    return buste


def _ciclo_nudo(sandbox: SandboxAvviata, mittente: str, segreto: str, buste: list[_Busta]) -> float:
    """One SMTPS connection, login, one ``sendmail`` per message: what a script would write."""
    contesto = ssl.create_default_context(cafile=str(sandbox.certificati.ca_cert))
    inizio = time.perf_counter()
    with smtplib.SMTP_SSL("localhost", sandbox.gestore.porta_smtp, context=contesto, timeout=30) as smtp:
        smtp.login(mittente, segreto)
        for busta in buste:
            smtp.sendmail(mittente, [busta.destinatario], busta.dati)
    return time.perf_counter() - inizio
