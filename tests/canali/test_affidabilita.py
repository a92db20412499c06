"""Reliability (issue 6, Done means): ``invia`` killed with SIGKILL at random points, then run
again, leaves every PEC letter accepted by the provider exactly once — none lost, none doubled —
as the provider's own record says. ``make test`` runs a bounded, deterministic version (fixed
seeds); ``-m slow`` runs many more kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import update

from corrispondenza.stato import StatoLettera
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.tabelle import Lettera
from tests.conftest import Ufficio

pytestmark = [pytest.mark.integration, pytest.mark.reliability]


def _solo_pec(u: Ufficio) -> list[Lettera]:
    """The lotto's PEC letters (the e-mails are annulled: e-mail has no receipts to count)."""
    engine = apri(u.carica().database_url)
    with sessione(engine) as s:
        s.execute(
            update(Lettera)
            .where(Lettera.lotto_id == u.lotto, Lettera.canale == "email")
            .values(stato=StatoLettera.ANNULLATA.value)
        )
    engine.dispose()
    u.modifica_config(lambda d: d["canali"]["pec"].__setitem__("attesa_accettazione_secondi", 1))
    return u.lettere(canale="pec")


def _comando(u: Ufficio) -> list[str]:
    return [
        sys.executable,
        "-m",
        "corrispondenza",
        "--config",
        str(u.config),
        "invia",
        str(u.lotto),
        "--json",
    ]


def _uccidi_a_caso(u: Ufficio, rng: random.Random, uccisioni: int) -> None:
    for _ in range(uccisioni):
        processo = subprocess.Popen(_comando(u), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 4.0))  # start-up is ~1 s, the whole lotto ~3 s
        processo.send_signal(signal.SIGKILL)
        processo.wait(30)


def _verifica_una_volta_ciascuna(u: Ufficio, pec: list[Lettera]) -> None:
    finale = subprocess.run(_comando(u), capture_output=True, text=True, timeout=300, env=os.environ)
    assert finale.returncode == 0, finale.stdout + finale.stderr
    dopo = u.lettere(canale="pec")
    assert len(dopo) == len(pec) >= 50
    assert {x.stato for x in dopo} == {StatoLettera.INVIATA}
    for x in dopo:
        assert u.gestore.conta(x.message_id) == 1, (
            f"lettera {x.id}: accettata {u.gestore.conta(x.message_id)} volte"
        )
    # nothing else left this mailbox: no copy under another Message-ID either
    dalla_casella = [m for m in u.gestore.accettati if m.mittente == u.mittente]
    assert len(dalla_casella) == len(dopo)


@pytest.mark.parametrize("giro", range(20))
def test_sigkill_durante_l_invio_nessuna_lettera_persa_ne_doppia(
    ufficio_completo: Ufficio, giro: int
) -> None:
    pec = _solo_pec(ufficio_completo)
    _uccidi_a_caso(ufficio_completo, random.Random(giro), uccisioni=1)
    _verifica_una_volta_ciascuna(ufficio_completo, pec)


@pytest.mark.slow
@pytest.mark.parametrize("giro", range(100, 150))
def test_sigkill_ripetuti_nessuna_lettera_persa_ne_doppia(ufficio_completo: Ufficio, giro: int) -> None:
    pec = _solo_pec(ufficio_completo)
    _uccidi_a_caso(ufficio_completo, random.Random(giro), uccisioni=4)
    _verifica_una_volta_ciascuna(ufficio_completo, pec)
