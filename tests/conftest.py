"""Shared fixtures: real databases (SQLite file and a throwaway PostgreSQL cluster), a workspace,
the local PEC provider's certificates and Dovecot.

The PostgreSQL cluster follows ../shared/notes/AMBIENTE.md §2: initdb refuses root, so as
root it runs as the ``postgres`` user; the server is started with ``Popen(user=...)`` (never
through runuser, which swallows signals) in a mkdtemp folder owned by that user.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, create_engine, func, select, text, update

from corrispondenza import lotti
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.genera import genera_lotto
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.pdf.convertitore import PoolConvertitori
from corrispondenza.regole.parametri import Parametri
from corrispondenza.sandbox import SandboxError
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati, crea_certificati
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.gestore import GestorePec
from corrispondenza.sandbox.smime import Firmatario
from corrispondenza.stato import StatoLettera, StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lettera, Soggetto
from corrispondenza.workspace import inizializza

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OGGI = date(2026, 11, 23)
REPO = Path(__file__).resolve().parent.parent


def porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL 15 on 127.0.0.1, once per test session; yields the server URL."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL non installato: eseguire `make setup` (pacchetto Debian postgresql)")
    cartella = Path(tempfile.mkdtemp(prefix="corrispondenza-pg-"))
    come_root = os.geteuid() == 0
    opzioni: dict = {"user": "postgres", "cwd": cartella} if come_root else {"cwd": cartella}
    if come_root:
        shutil.chown(cartella, "postgres", "postgres")
    subprocess.run(
        [
            PG_BIN / "initdb",
            "-D",
            cartella / "data",
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        **opzioni,
    )
    porta = porta_libera()
    registro = open(cartella / "pg.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            PG_BIN / "postgres",
            "-D",
            cartella / "data",
            "-p",
            str(porta),
            "-h",
            "127.0.0.1",
            "-k",
            cartella,
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        stdout=registro,
        stderr=subprocess.STDOUT,
        **opzioni,
    )
    try:
        _attendi_postgres(server, porta, cartella)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{porta}"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
        registro.close()
        shutil.rmtree(cartella, ignore_errors=True)


def _attendi_postgres(server: subprocess.Popen, porta: int, cartella: Path) -> None:
    for _ in range(200):
        if server.poll() is not None:
            pytest.fail(f"PostgreSQL non è partito:\n{(cartella / 'pg.log').read_text()}")
        pronto = subprocess.run([PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(porta), "-q"])
        if pronto.returncode == 0:
            return
        time.sleep(0.05)
    pytest.fail("PostgreSQL non risponde dopo 10 secondi")


_numeri = itertools.count()


def nuovo_database_postgres(server: str) -> str:
    """A fresh, empty database on the session's server."""
    nome = f"prova_{os.getpid()}_{next(_numeri)}"
    amministrazione = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with amministrazione.connect() as c:
        c.execute(text(f'CREATE DATABASE "{nome}"'))
    amministrazione.dispose()
    return f"{server}/{nome}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both databases the product supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'prova.db'}"
    return nuovo_database_postgres(request.getfixturevalue("postgres_server"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    motore = apri(database_url)
    yield motore
    motore.dispose()


@pytest.fixture
def spazio(tmp_path: Path) -> Path:
    """A workspace made by ``init``, with its SQLite database inside."""
    from corrispondenza.workspace import inizializza

    cartella = tmp_path / "ufficio"
    inizializza(cartella)
    return cartella


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``corrispondenza`` in-process: returns (exit code, stdout, stderr)."""
    from corrispondenza.cli import main

    def esegui(*argomenti: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(argomenti))
            codice = 0
        except SystemExit as uscita:
            codice = int(uscita.code or 0)
        catturato = capsys.readouterr()
        return codice, catturato.out, catturato.err

    return esegui


@pytest.fixture(scope="session")
def certificati_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Certificati:
    """The sandbox CA, TLS and S/MIME signing certificates, made once per test session."""
    return crea_certificati(tmp_path_factory.mktemp("certificati-sandbox"))


@pytest.fixture(scope="session")
def firmatario(certificati_sandbox: Certificati) -> Firmatario:
    """The sandbox provider's signer of receipts."""
    return Firmatario.da_file(
        certificati_sandbox.firma_cert,
        certificati_sandbox.firma_key,
        gestore=NOME_PROVIDER,
        dominio=certificati_sandbox.dominio_provider,
    )


@pytest.fixture(scope="session")
def server_dovecot(certificati_sandbox: Certificati) -> Iterator[ServerDovecot]:
    """A real Dovecot (IMAP, IMAPS, LMTP) on 127.0.0.1, once per test session (AMBIENTE.md §1).

    Tests add their own mailboxes with distinct addresses, so they do not see each other's mail.
    """
    server = ServerDovecot(certificati_sandbox)
    try:
        server.avvia()
    except SandboxError as exc:
        pytest.fail(exc.messaggio)
    try:
        yield server
    finally:
        server.ferma()


@pytest.fixture(scope="session")
def gestore_pec(certificati_sandbox: Certificati, server_dovecot: ServerDovecot):
    """The local PEC provider (SMTPS for PEC, STARTTLS for ordinary mail) on the session's Dovecot.

    Once per session; tests add their own accounts and scenarios with distinct addresses.
    """
    from corrispondenza.sandbox.gestore import GestorePec

    with GestorePec(certificati_sandbox, server_dovecot) as gestore:
        yield gestore


# --- sending and receipts: a generated lotto and a workspace wired to the sandbox (issues 6, 7) ---

STRUTTURE = {"a": "TICKET", "e": "TICKET", "b": "BILANCIO", "c": "BILANCIO", "d": "BILANCIO", "f": "BILANCIO"}
PASSWORD_ENV = "CORRISPONDENZA_PROVA_PEC_PASSWORD"
EMAIL_PASSWORD_ENV = "CORRISPONDENZA_PROVA_EMAIL_PASSWORD"
_numeri = itertools.count()


@dataclass(frozen=True)
class Modello:
    cartella: Path
    lotto: int


@pytest.fixture(scope="session")
def ufficio_generato(tmp_path_factory: pytest.TempPathFactory) -> Modello:
    """A workspace whose lotto is generated: every debtor has a PEC (the sollecito goes by PEC),
    half have an e-mail (their avviso goes by e-mail), the others get theirs by post."""
    cartella = tmp_path_factory.mktemp("ufficio-generato")
    inizializza(cartella)
    cfg = carica_config(cartella / "config.yaml")
    file = scrivi_campione(genera_campione(1200, seed=11, oggi=OGGI, strutture=STRUTTURE), cartella / "dati")
    engine = apri(cfg.database_url)
    op = Operazione("test")
    contesto = Contesto(oggi=OGGI, strutture=frozenset(cfg.config.ente.strutture), op=op)
    for tipo in ("soggetti", "relazioni", "crediti", "pagamenti", "storico"):
        assert not importa_file(IMPORTATORI[tipo](), file[tipo], engine=engine, ctx=contesto).errori
    with sessione(engine) as s:
        pec = func.lower(Soggetto.codice_fiscale).concat("@pec.example.it")
        s.execute(update(Soggetto).values(pec=pec, email=None))
        pari = Soggetto.id % 2 == 0
        s.execute(
            update(Soggetto)
            .where(pari)
            .values(email=func.lower(Soggetto.codice_fiscale).concat("@posta.example.it"))
        )
    with sessione(engine) as s:
        esito = lotti.pianifica(s, op, OGGI, Parametri.da_config(cfg.config))
        assert esito.lotto_id is not None
        lotti.cambia_stato_lotto(s, op, esito.lotto_id, StatoLotto.APPROVATA)
    with PoolConvertitori(2, cartella=tmp_path_factory.mktemp("profili-invio"), timeout=120) as pool:
        risultato = genera_lotto(engine, cfg, esito.lotto_id, op, pool=pool)
    assert not risultato.fallite
    engine.dispose()
    return Modello(cartella, esito.lotto_id)


@dataclass
class Ufficio:
    """A copy of the generated workspace, sending through the sandbox as ``mittente``."""

    cartella: Path
    lotto: int
    mittente: str
    password: str
    gestore: GestorePec

    @property
    def config(self) -> Path:
        return self.cartella / "config.yaml"

    def carica(self) -> ConfigCaricata:
        return carica_config(self.config)

    def lettere(self, **filtri: Any) -> list[Lettera]:
        engine = apri(self.carica().database_url)
        try:
            with sessione(engine) as s:
                query = select(Lettera).where(Lettera.lotto_id == self.lotto)
                for nome, valore in filtri.items():
                    query = query.where(getattr(Lettera, nome) == valore)
                return list(s.scalars(query.order_by(Lettera.id)))
        finally:
            engine.dispose()

    def indirizzo(self, lettera: Lettera) -> str:
        """The recipient's address for the letter's channel, from the registry (before sending)."""
        engine = apri(self.carica().database_url)
        try:
            with sessione(engine) as s:
                soggetto = s.get_one(Soggetto, lettera.destinatario_id)
                return soggetto.pec if lettera.canale == "pec" else soggetto.email
        finally:
            engine.dispose()

    def modifica_config(self, modifica: Callable[[dict[str, Any]], None]) -> None:
        dati = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        modifica(dati)
        self.config.write_text(yaml.safe_dump(dati, allow_unicode=True, sort_keys=False), encoding="utf-8")


def canali_sandbox(
    gestore: GestorePec, certificati: Certificati, dovecot_porta_imaps: int, mittente: str
) -> dict[str, Any]:
    """The ``canali`` section pointing at the sandbox: PEC on SMTPS, e-mail on STARTTLS."""

    def server(porta: int, tls: str, env: str) -> dict[str, Any]:
        return {
            "host": "localhost",
            "porta": porta,
            "utente": mittente,
            "password_env": env,
            "tls": tls,
            "ca_file": str(certificati.ca_cert),
        }

    return {
        "pec": {
            "indirizzo": mittente,
            "smtp": server(gestore.porta_smtp, "implicito", PASSWORD_ENV),
            "imap": server(dovecot_porta_imaps, "implicito", PASSWORD_ENV),
            "cartelle": ["INBOX"],
            "tipo_ricevuta": "sintetica",
            "messaggi_al_minuto": 100_000,
            "ritenta_dopo_secondi": 0.05,
            "tentativi_massimi": 3,
            "attesa_accettazione_secondi": 2,
            "timeout_secondi": 10,
        },
        "email": {
            "mittente": mittente,
            "smtp": server(gestore.porta_posta, "starttls", EMAIL_PASSWORD_ENV),
            "messaggi_al_minuto": 100_000,
            "ritenta_dopo_secondi": 0.05,
            "tentativi_massimi": 3,
            "timeout_secondi": 10,
        },
    }


@pytest.fixture
def ufficio(ufficio_completo: Ufficio) -> Ufficio:
    """The same, with only a few PEC and e-mail letters left in the lotto (the others annulled):
    the provider takes ~50 ms a message, and most stories need a handful."""
    engine = apri(ufficio_completo.carica().database_url)
    try:
        with sessione(engine) as s:
            for canale, quante in (("pec", 8), ("email", 6)):
                tenute = select(Lettera.id).where(
                    Lettera.lotto_id == ufficio_completo.lotto, Lettera.canale == canale
                )
                tenute = tenute.order_by(Lettera.id).limit(quante).scalar_subquery()
                s.execute(
                    update(Lettera)
                    .where(Lettera.canale == canale, Lettera.id.not_in(tenute))
                    .values(stato=StatoLettera.ANNULLATA.value)
                )
    finally:
        engine.dispose()
    return ufficio_completo


@pytest.fixture
def ufficio_completo(
    ufficio_generato: Modello,
    tmp_path: Path,
    gestore_pec: GestorePec,
    certificati_sandbox: Certificati,
    server_dovecot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Ufficio:
    """A fresh copy of the generated workspace and a sender account of its own on the sandbox."""
    cartella = tmp_path / "ufficio"
    shutil.copytree(ufficio_generato.cartella, cartella)
    mittente = f"recupero{next(_numeri)}.{os.getpid()}@pec.ausl-prova.example.it"
    password = f"segreta-{next(_numeri)}-Xy9"
    gestore_pec.aggiungi_mittente(mittente, password)
    monkeypatch.setenv(PASSWORD_ENV, password)
    monkeypatch.setenv(EMAIL_PASSWORD_ENV, password)
    u = Ufficio(cartella, ufficio_generato.lotto, mittente, password, gestore_pec)
    canali = canali_sandbox(gestore_pec, certificati_sandbox, server_dovecot.porta_imaps, mittente)
    u.modifica_config(lambda dati: dati.__setitem__("canali", canali))
    _indirizzi_propri(u, f"t{next(_numeri)}")
    return u


def _indirizzi_propri(u: Ufficio, prova: str) -> None:
    """Recipients of this test only: the session's provider keeps scenarios and mailboxes."""
    engine = apri(u.carica().database_url)
    try:
        with sessione(engine) as s:
            for campo, dominio in ((Soggetto.pec, "pec.example.it"), (Soggetto.email, "posta.example.it")):
                nuovo = func.replace(campo, f"@{dominio}", f"@{prova}.{dominio}")
                s.execute(update(Soggetto).where(campo.is_not(None)).values({campo: nuovo}))
    finally:
        engine.dispose()
