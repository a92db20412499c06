"""PEC receipts: ``ricevute`` (the IMAP reconciler) against a bare imapclient fetch loop.

One sandbox (Dovecot with IMAPS, the test CA), one workspace whose store holds N/2 PEC letters
``inviata`` with distinct Message-IDs (written straight into the store: sending is
bench/invio.py's business). For each letter the sandbox provider's builders sign an acceptance
and a delivery receipt (``sintetica``), so N receipts; all are APPENDed to the sender's INBOX
before any clock starts, and the same messages on the same server are read by both sides:

- ours: ``Riconciliatore.esegui`` on a fresh copy of the workspace, with ``ca_ricevute`` the
  sandbox CA so every signature is really verified (as in production), default options:
  batches fetched with ``BODY.PEEK[]``; each batch kept as evidence (fsync), parsed and its
  S/MIME signatures checked (``ricevute/cms``, openssl only for what that cannot decide) by
  the two reader processes (``ricevute/elaborazione``) while the next batch is fetched;
  matched by Message-ID, effects applied in one transaction per batch, the batch flagged
  ``$Elaborata`` (the default ``dopo_lettura``);
- bare loop: one ``IMAPClient`` over IMAPS, login, select, ``search ALL``, then ``fetch``
  ``BODY.PEEK[]`` in batches of the same size, nothing else.

An untimed first pass of the bare loop warms Dovecot's caches, so neither side pays for them.
The copies of the workspace (each with its 10 000 evidence files) are removed only at the end:
on an ext4 without a journal, as here, a file created in the minute after a mass deletion
costs 10-30 times more (``ricevute/prove.py``), and an office never mass-deletes its evidence
just before reading receipts; deleting a run's copy before the next would measure that instead.
Each figure is the best of ``RIPETIZIONI`` runs, ours and the loop alternating.

Informative, beside it: the machine's CPU per receipt on each side (``/proc/stat`` around each
run, so Dovecot, the readers and the kernel's writeback count too; ours also pays for opening
its store), and in the main figure ``tetto``, the highest ratio these processors allow for our
cost (``bench.tetto``). Ours does several times the baseline's work and spreads it over every
processor; the baseline keeps about one busy. So on a machine of few processors the ratio is
bound by their number, not by waits: a ratio near ``tetto`` leaves nothing to overlap.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import func, select

from bench import costo, cpu_macchina, portata, tetto
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.config.schema import Canali, CasellaPec, Server
from corrispondenza.dominio.tipi import Canale, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.ricevute.imap import EsitoRicevute, Riconciliatore
from corrispondenza.sandbox import ricevute as fabbrica
from corrispondenza.sandbox.avvio import SandboxAvviata, avvia_sandbox
from corrispondenza.sandbox.certificati import NOME_PROVIDER
from corrispondenza.sandbox.smime import Firmatario
from corrispondenza.stato import FaseCredito, StatoCredito, StatoLettera
from corrispondenza.store.database import apri, inserisci, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Credito, Lettera, LetteraCredito, RicevutaLetta, Soggetto
from corrispondenza.workspace import inizializza

RIPETIZIONI = 3
VARIABILE_PASSWORD = "CORRISPONDENZA_BENCH_RICEVUTE_PASSWORD"  # noqa: S105 - the name of a variable
DOMINIO_MITTENTE = "pec.ausl-bench.example.it"
DOMINIO_DESTINATARI = "pec.example.it"
INVIATE_IL = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CARTELLA = "INBOX"
ORIGINALE = (  # sintetica carries no postacert: the builder only needs something to read
    b"From: a@example.it\r\nTo: b@example.it\r\nSubject: x\r\nMessage-ID: <x@example.it>\r\n\r\nx\r\n"
)


@dataclass(frozen=True)
class Preparato:
    """What the timed runs share: the running sandbox, the model workspace, the receipt count."""

    sandbox: SandboxAvviata
    modello: Path
    ricevute: int


def misura_ricevute(n_ricevute: int) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-ricevute-") as cartella:
        base = Path(cartella)
        with avvia_sandbox(base / "sandbox") as sandbox:
            p = prepara(base, sandbox, n_ricevute)
            passo = carica_config(p.modello / "config.yaml").config.ricevute.messaggi_per_lotto
            ciclo_nudo(sandbox, passo, p.ricevute)  # untimed: Dovecot's index and cache warm
            nostri, nudi, cpu_nostri, cpu_nudi = [], [], [], []
            for i in range(RIPETIZIONI):
                copia = base / f"copia-{i}"  # removed with ``base``, after every run: see below
                shutil.copytree(p.modello, copia)
                secondi, cpu = _con_cpu(lambda c=copia: nostro(p, c))
                nostri.append(secondi)
                cpu_nostri.append(cpu)
                secondi, cpu = _con_cpu(lambda: ciclo_nudo(sandbox, passo, p.ricevute))
                nudi.append(secondi)
                cpu_nudi.append(cpu)
    n = p.ricevute
    figure = {
        "ricevute_vs_imapclient": {**portata(n, nostri, nudi, "ricevute/s", ">= 0.5", 1), "ricevute": n}
    }
    if None not in cpu_nostri and None not in cpu_nudi:
        figure["ricevute_vs_imapclient"]["tetto"] = tetto(nudi, cpu_nostri)
        figure["ricevute_cpu_vs_imapclient"] = {
            **costo(n, cpu_nostri, cpu_nudi, "µs CPU/ricevuta"),
            "ricevute": n,
        }
    return figure


def _con_cpu(corsa: Callable[[], float]) -> tuple[float, float | None]:
    """A run's seconds (as it measured them) and the machine's CPU seconds around it: Dovecot,
    the reader processes and the kernel's writeback included, which a process's own clock
    would not see."""
    prima = cpu_macchina()
    secondi = corsa()
    dopo = cpu_macchina()
    return secondi, None if prima is None or dopo is None else dopo - prima


def prepara(base: Path, sandbox: SandboxAvviata, n_ricevute: int) -> Preparato:
    """Untimed: the workspace with its letters, the signed receipts in the sender's INBOX."""
    modello = base / "ufficio"
    n_lettere = max(1, n_ricevute // 2)
    lettere = _ufficio(modello, n_lettere)
    messaggi = _ricevute(sandbox, lettere)
    _deposita(sandbox, messaggi)
    return Preparato(sandbox, modello, len(messaggi))


def _ufficio(cartella: Path, n_lettere: int) -> list[tuple[str, str]]:
    """A workspace whose store has ``n_lettere`` PEC letters ``inviata``: (Message-ID, address) each."""
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    struttura = next(iter(cfg.config.ente.strutture))
    engine = apri(cfg.database_url)
    lettere = [
        (f"<bench-{i:06d}.{os.urandom(4).hex()}@{DOMINIO_MITTENTE}>", f"debitore{i}@{DOMINIO_DESTINATARI}")
        for i in range(n_lettere)
    ]
    with sessione(engine) as s:
        soggetto = Soggetto(
            codice_fiscale="RSSMRA80A01H501U", tipo=TipoSoggetto.FISICA.value, cognome="Rossi"
        )
        s.add(soggetto)
        s.flush()
        credito = Credito(
            id_esterno="BENCH-1",
            struttura=struttura,
            tipo=TipoCredito.A.value,
            soggetto_id=soggetto.id,
            importo=Decimal("120.00"),
            stato=StatoCredito.APERTO.value,
            fase=FaseCredito.SOLLECITO.value,
        )
        s.add(credito)
        s.flush()
        righe = [
            {
                "origine": "lotto",
                "tipo": TipoLettera.SOLLECITO.value,
                "canale": Canale.PEC.value,
                "destinatario_id": soggetto.id,
                "stato": StatoLettera.INVIATA.value,
                "struttura": struttura,
                "spese": Decimal("0.00"),
                "message_id": mid,
                "indirizzo": indirizzo,
                "tentativi": 1,
                "data_invio": INVIATE_IL.date(),
                "inviata_il": INVIATE_IL,
            }
            for mid, indirizzo in lettere
        ]
        inserisci(s, Lettera, righe)
        ids = list(s.scalars(select(Lettera.id).order_by(Lettera.id)))
        inserisci(s, LetteraCredito, [{"lettera_id": x, "credito_id": credito.id} for x in ids])
    engine.dispose()
    return lettere


def _ricevute(sandbox: SandboxAvviata, lettere: list[tuple[str, str]]) -> list[bytes]:
    """Per letter an acceptance and a delivery receipt (sintetica), signed by the sandbox provider."""
    certificati = sandbox.certificati
    firmatario = Firmatario.da_file(
        certificati.firma_cert,
        certificati.firma_key,
        gestore=NOME_PROVIDER,
        dominio=certificati.dominio_provider,
    )
    messaggi = []
    for i, (mid, indirizzo) in enumerate(lettere):
        quando = INVIATE_IL + timedelta(seconds=i)
        invio = fabbrica.Invio(
            mittente=sandbox.utente,
            destinatari=((indirizzo, "certificato"),),
            oggetto=f"Sollecito di pagamento n. {i}",
            msgid=mid,
            identificativo=fabbrica.nuovo_identificativo(certificati.dominio_provider, quando),
            tipo_ricevuta="sintetica",
        )
        messaggi.append(fabbrica.accettazione(firmatario, invio, data=quando))
        messaggi.append(
            fabbrica.avvenuta_consegna(
                firmatario,
                invio,
                destinatario=indirizzo,
                data=quando + timedelta(seconds=3),
                originale=ORIGINALE,
                tipo_ricevuta="sintetica",
            )
        )
    return messaggi


def _deposita(sandbox: SandboxAvviata, messaggi: list[bytes]) -> None:
    """APPEND every receipt to the sender's INBOX on one connection: the bytes stay as given."""
    with _client(sandbox) as client:
        client.login(sandbox.utente, sandbox.password)
        for messaggio in messaggi:
            client.append(CARTELLA, messaggio)


def _client(sandbox: SandboxAvviata) -> IMAPClient:
    contesto = ssl.create_default_context(cafile=str(sandbox.certificati.ca_cert))
    return IMAPClient(
        "localhost", port=sandbox.dovecot.porta_imaps, ssl=True, ssl_context=contesto, timeout=60
    )


def config_sandbox(cartella: Path, sandbox: SandboxAvviata) -> ConfigCaricata:
    """The workspace's config with ``canali.pec`` on the sandbox's IMAPS, receipts verified by its CA."""
    cfg = carica_config(cartella / "config.yaml")
    ca = str(sandbox.certificati.ca_cert.resolve())
    server = {
        "host": "localhost",
        "utente": sandbox.utente,
        "password_env": VARIABILE_PASSWORD,
        "tls": "implicito",
        "ca_file": ca,
    }
    pec = CasellaPec(
        indirizzo=sandbox.utente,
        smtp=Server(porta=sandbox.gestore.porta_smtp, **server),
        imap=Server(porta=sandbox.dovecot.porta_imaps or 0, **server),
        cartelle=[CARTELLA],
        ca_ricevute=ca,
        timeout_secondi=60,
    )
    return ConfigCaricata(cfg.config.model_copy(update={"canali": Canali(pec=pec)}), cfg.percorso)


def esegui_nostro(p: Preparato, cartella: Path) -> tuple[float, EsitoRicevute]:
    """One ``Riconciliatore.esegui`` on ``cartella`` (a fresh copy of the model): seconds, outcome."""
    cfg = config_sandbox(cartella, p.sandbox)
    engine = apri(cfg.database_url)
    os.environ[VARIABILE_PASSWORD] = p.sandbox.password
    try:
        riconciliatore = Riconciliatore(engine, cfg, Operazione("bench"))
        inizio = time.perf_counter()
        esito = riconciliatore.esegui()
        secondi = time.perf_counter() - inizio
        with sessione(engine) as s:
            valide = s.scalar(select(func.count()).where(RicevutaLetta.firma == "valida"))
    finally:
        os.environ.pop(VARIABILE_PASSWORD, None)
        engine.dispose()
    if esito.lette != p.ricevute or esito.effetti["applicata"] != p.ricevute or valide != p.ricevute:
        raise RuntimeError(
            f"riconciliazione di prova non completa ({valide} firme valide): {esito.come_json()}"
        )
    return secondi, esito


def nostro(p: Preparato, cartella: Path) -> float:
    return esegui_nostro(p, cartella)[0]


def ciclo_nudo(sandbox: SandboxAvviata, passo: int, attese: int) -> float:
    """Login, select, search ALL, fetch ``BODY.PEEK[]`` in batches of ``passo``: nothing else."""
    inizio = time.perf_counter()
    lette = 0
    with _client(sandbox) as client:
        client.login(sandbox.utente, sandbox.password)
        client.select_folder(CARTELLA)
        uids = client.search("ALL")
        for i in range(0, len(uids), passo):
            risposte = client.fetch(uids[i : i + passo], ["BODY.PEEK[]"])
            lette += sum(1 for r in risposte.values() if r.get(b"BODY[]"))
    secondi = time.perf_counter() - inizio
    if lette != attese:
        raise RuntimeError(f"ciclo imapclient di prova: {lette} messaggi invece di {attese}")
    return secondi
