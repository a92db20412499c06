"""The sending lease (``store/blocchi.Concessione``): a second ``invia`` is refused while the first
lives, and a holder killed with SIGKILL does not lock the lotto forever. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from corrispondenza.errors import InvioInCorsoError
from corrispondenza.orologio import adesso
from corrispondenza.store.blocchi import Concessione, NomeBlocco, titolare
from corrispondenza.store.database import sessione
from corrispondenza.store.tabelle import Blocco


def _scrivi_titolare(engine: Engine, chi: str, scade_tra: timedelta) -> None:
    with sessione(engine) as s:
        s.execute(
            update(Blocco)
            .where(Blocco.nome == NomeBlocco.INVIA.value)
            .values(titolare=chi, scade_il=adesso() + scade_tra)
        )


def test_secondo_invio_rifiutato_finche_il_primo_e_vivo(engine: Engine) -> None:
    vivo = subprocess.Popen(["sleep", "60"])
    try:
        _scrivi_titolare(engine, f"{socket.gethostname()}:{vivo.pid}", timedelta(minutes=2))
        with pytest.raises(InvioInCorsoError, match="Un altro invio è in corso"):
            Concessione(engine, NomeBlocco.INVIA).prendi()
    finally:
        vivo.kill()
        vivo.wait()
    # the holder died (SIGKILL): its lease is taken over at once, without waiting for the expiry
    with Concessione(engine, NomeBlocco.INVIA) as concessione, sessione(engine) as s:
        assert titolare(s, NomeBlocco.INVIA) == concessione.titolare
    with sessione(engine) as s:
        assert titolare(s, NomeBlocco.INVIA) is None  # released on exit


def test_titolare_su_un_altra_macchina_vale_fino_alla_scadenza(engine: Engine) -> None:
    _scrivi_titolare(engine, "altro-server:4242", timedelta(minutes=2))
    with pytest.raises(InvioInCorsoError):
        Concessione(engine, NomeBlocco.INVIA).prendi()
    _scrivi_titolare(engine, "altro-server:4242", timedelta(seconds=-1))
    Concessione(engine, NomeBlocco.INVIA).prendi()
