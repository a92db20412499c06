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
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from corrispondenza.sandbox import SandboxError
from corrispondenza.sandbox.certificati import Certificati, crea_certificati
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.store.database import apri

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
