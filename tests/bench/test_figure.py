"""The benchmark's figures (``bench``): the arithmetic every row of ``make bench`` relies on.

The timings themselves are never asserted (targets live in the benchmark, not in tests); what
is proved here is that a figure says what its docstring says, oriented so that higher is better.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from bench import costo, cpu_macchina, portata, tetto


def test_portata_rapporto_e_il_migliore_contro_il_migliore() -> None:
    figura = portata(1000, [2.0, 1.0, 4.0], [0.5, 0.8], "x/s", ">= 0.5", 1)
    assert (figura["valore"], figura["baseline"], figura["rapporto"]) == (1000.0, 2000.0, 0.5)


def test_costo_in_microsecondi_per_elemento_rapporto_nudo_su_nostro() -> None:
    figura = costo(10_000, [6.0, 5.55], [1.59, 1.7], "µs CPU/ricevuta")
    assert figura["valore"] == 555.0
    assert figura["baseline"] == 159.0
    assert figura["rapporto"] == round(1.59 / 5.55, 3)  # higher is better: less CPU than the baseline
    assert figura["obiettivo"] == "informativo"
    assert figura["processori"] == (os.cpu_count() or 1)


def test_tetto_e_il_rapporto_con_ogni_processore_occupato(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our cheapest run (5.55 CPU seconds) spread over 2 processors takes at least 2.775 s: against
    the baseline's best 1.2 s that is a ratio of at most 0.432, however well the work overlaps."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert tetto([1.3, 1.2], [5.9, 5.55]) == 0.432
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert tetto([1.3, 1.2], [5.9, 5.55]) == 0.865


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat è di Linux")
def test_cpu_macchina_conta_il_lavoro_fatto() -> None:
    prima = cpu_macchina()
    fine = time.process_time() + 0.2
    while time.process_time() < fine:  # 0.2 s of this process's own CPU, whatever the host steals
        pass
    dopo = cpu_macchina()
    assert prima is not None and dopo is not None
    assert dopo - prima >= 0.1  # /proc/stat counts in clock ticks (10 ms)
