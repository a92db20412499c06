"""Fixtures for sending: a generated lotto (made once), and per test a fresh copy of the workspace
wired to the session's sandbox PEC provider with a sender account of its own.

Real parts throughout: the sample data imported and planned by the product, the default
templates, LibreOffice for the PDFs, the aiosmtpd provider and Dovecot for the receipts.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, update

from corrispondenza import lotti
from corrispondenza.campione import genera_campione, scrivi_campione
from corrispondenza.config import carica_config
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.genera import genera_lotto
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.pdf.convertitore import PoolConvertitori
from corrispondenza.regole.parametri import Parametri
from corrispondenza.sandbox.certificati import Certificati
from corrispondenza.sandbox.gestore import GestorePec
from corrispondenza.stato import StatoLettera, StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Lettera, Soggetto
from corrispondenza.workspace import inizializza

OGGI = date(2026, 11, 23)
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
